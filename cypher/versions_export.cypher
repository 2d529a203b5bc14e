// name: versions_export
// One page of every version of a tenant, expired ones included, in recording order (export).
// params: $tenant STRING, $skip INTEGER, $limit INTEGER
MATCH (v:Version {tenant: $tenant})
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.recorded_at, v.expired_at IS NULL, v.expired_at, v.version_id
SKIP $skip
LIMIT $limit
