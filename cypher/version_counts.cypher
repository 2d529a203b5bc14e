// name: version_counts
// Versions of a tenant by kind: all, and expired.
// params: $tenant STRING
MATCH (v:Version {tenant: $tenant})
RETURN v.kind AS kind, count(v) AS total, count(v.expired_at) AS expired
