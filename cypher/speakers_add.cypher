// name: speakers_add
// Counts newly stored episodes in for each form their participants are known by.
// row: {form, episodes}: a form and how many of the new episodes have it
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (s:Speaker {tenant: $tenant, form: row.form})
ON CREATE SET s.episodes = row.episodes
ON MATCH SET s.episodes = s.episodes + row.episodes
