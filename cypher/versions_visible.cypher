// name: versions_visible
// Every version believed at $as_of (latest when null) and valid at $valid_at (diffs between two bases).
// params: $tenant STRING, $as_of DATETIME?, $valid_at DATETIME
MATCH (v:Version {tenant: $tenant})
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
  AND (v.valid_from IS NULL OR v.valid_from <= $valid_at)
  AND (v.valid_to IS NULL OR v.valid_to > $valid_at)
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
