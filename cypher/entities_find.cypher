// name: entities_find
// Every entity of the tenant, as believed at $as_of (latest when null), by name. Lookups by name or by words
// are `entities_find_name` and `entities_find_words`.
// params: $tenant STRING, $as_of DATETIME?, $limit INTEGER
MATCH (a:Entity {tenant: $tenant})-[:VERSION]->(v:EntityVersion)
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.name, v.version_id
LIMIT $limit
