// name: entities_find
// Entities whose name or any alias ever used equals $name (normalised), or all when null, as believed at
// $as_of (latest when null), by name.
// params: $tenant STRING, $name STRING?, $as_of DATETIME?, $limit INTEGER
MATCH (a:Entity {tenant: $tenant})-[:VERSION]->(v:EntityVersion)
WHERE ($name IS NULL OR $name IN a.names)
  AND CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.name, v.version_id
LIMIT $limit
