// name: erase_episodes
// Deletes episodes for real (with their provenance links) and returns the lineages each one supported.
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
OPTIONAL MATCH (v:Version)-[:MENTIONED_IN]->(e)
WITH e, collect(DISTINCT v.lineage_id) AS supported
DETACH DELETE e
RETURN supported
