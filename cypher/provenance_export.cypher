// name: provenance_export
// Every (lineage, episode, span) provenance link of a tenant (export).
// params: $tenant STRING
MATCH (v:Version {tenant: $tenant})-[m:MENTIONED_IN]->(e:Episode)
RETURN DISTINCT v.lineage_id AS lineage_id, e.id AS episode_id, m.start AS start, m.end AS end
ORDER BY lineage_id, episode_id, start, end
