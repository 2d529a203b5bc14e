// name: history
// Every version of one lineage, expired ones included, oldest recording first.
// params: $tenant STRING, $lineage_id STRING
MATCH (v:Version {tenant: $tenant, lineage_id: $lineage_id})
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.recorded_at, v.expired_at IS NULL, v.expired_at
