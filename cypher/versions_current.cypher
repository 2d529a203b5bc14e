// name: versions_current
// The current (unexpired) versions of the given lineages.
// params: $tenant STRING, $lineage_ids LIST<STRING>
UNWIND $lineage_ids AS lid
MATCH (v:Version {tenant: $tenant, lineage_id: lid})
WHERE v.expired_at IS NULL
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.recorded_at
