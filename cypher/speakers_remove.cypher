// name: speakers_remove
// Counts erased episodes out; a form no episode has any more goes.
// row: {form, episodes}: a form and how many of the erased episodes had it
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MATCH (s:Speaker {tenant: $tenant, form: row.form})
SET s.episodes = s.episodes - row.episodes
WITH s
WHERE s.episodes <= 0
DELETE s
