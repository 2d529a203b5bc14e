// name: lineages_unsupported
// Which of the given lineages no longer have any provenance.
// params: $tenant STRING, $lineage_ids LIST<STRING>
UNWIND $lineage_ids AS lid
OPTIONAL MATCH (v:Version {tenant: $tenant, lineage_id: lid})-[:MENTIONED_IN]->(:Episode)
WITH lid, count(v) AS links
WHERE links = 0
RETURN lid AS lineage_id
