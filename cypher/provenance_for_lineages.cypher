// name: provenance_for_lineages
// The provenance of each lineage: the union of the MENTIONED_IN links of all its versions.
// params: $tenant STRING, $lineage_ids LIST<STRING>
UNWIND $lineage_ids AS lid
MATCH (v:Version {tenant: $tenant, lineage_id: lid})-[m:MENTIONED_IN]->(e:Episode)
RETURN DISTINCT lid AS lineage_id, e.id AS episode_id, m.start AS start, m.end AS end
ORDER BY lineage_id, episode_id, start, end
