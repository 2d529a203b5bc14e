// name: entity_at
// The version of one entity believed at $as_of (latest when null).
// params: $tenant STRING, $entity_id STRING, $as_of DATETIME?
MATCH (v:EntityVersion {tenant: $tenant, lineage_id: $entity_id})
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.recorded_at DESC
