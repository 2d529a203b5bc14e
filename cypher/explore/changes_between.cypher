// name: changes_between
// What the memory learned or stopped believing between two dates (transaction time, [$since, $until)):
// each version recorded or expired in the window, with the version it replaced.
//   :param tenant => 'default'
//   :param since => datetime('2024-01-01T00:00:00Z')
//   :param until => datetime('2024-06-01T00:00:00Z')
// params: $tenant STRING, $since DATETIME, $until DATETIME
MATCH (v:Version {tenant: $tenant})
WHERE (v.recorded_at >= $since AND v.recorded_at < $until)
   OR (v.expired_at >= $since AND v.expired_at < $until)
OPTIONAL MATCH (v)-[:SUPERSEDES]->(old:Version)
WITH v, old,
     CASE WHEN v.recorded_at >= $since AND v.recorded_at < $until THEN v.recorded_at ELSE v.expired_at END AS at
RETURN at,
       CASE WHEN at = v.recorded_at THEN 'recorded' ELSE 'expired' END AS change,
       v.kind AS kind, v.reason AS reason,
       coalesce(v.name, v.relation, v.predicate) AS what,
       v.valid_from AS valid_from, v.valid_to AS valid_to,
       old.valid_from AS replaced_valid_from, old.valid_to AS replaced_valid_to,
       v.lineage_id AS lineage_id
ORDER BY at, change DESC
