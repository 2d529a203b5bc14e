// name: erase_episodes
// Deletes episodes for real (with their provenance links) and returns the lineages each one supported, and
// its participants (their speaker forms are counted out).
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
OPTIONAL MATCH (v:Version)-[:MENTIONED_IN]->(e)
WITH e, e.speaker AS speaker, e.addressee AS addressee, collect(DISTINCT v.lineage_id) AS supported
DETACH DELETE e
RETURN supported, speaker, addressee
