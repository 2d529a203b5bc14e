// name: provenance_link_lineages
// Adds provenance to a lineage (a thing mentioned again): the link goes on its latest version.
// row: {lineage_id, episode_id, start, end}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MATCH (v:Version {tenant: $tenant, lineage_id: row.lineage_id})
WITH row, v
ORDER BY v.recorded_at DESC
WITH row, collect(v)[0] AS latest
MATCH (e:Episode {tenant: $tenant, id: row.episode_id})
MERGE (latest)-[:MENTIONED_IN {start: row.start, end: row.end}]->(e)
