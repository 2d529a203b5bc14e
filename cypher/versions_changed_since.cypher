// name: versions_changed_since
// Versions recorded or expired at or after $since (the change feed).
// params: $tenant STRING, $since DATETIME
MATCH (v:Version {tenant: $tenant})
WHERE v.recorded_at >= $since OR v.expired_at >= $since
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
