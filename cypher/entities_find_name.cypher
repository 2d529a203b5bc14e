// name: entities_find_name
// Entities whose name or any alias ever used equals $name (normalised by the caller), as believed at $as_of
// (latest when null), by name: an index seek on the name's words (schema/005_name_words.cypher).
// params: $tenant STRING, $name STRING, $as_of DATETIME?, $limit INTEGER
MATCH (n:NameWord {tenant: $tenant, name: $name})
WITH DISTINCT n.entity_id AS entity_id
MATCH (v:EntityVersion {tenant: $tenant, lineage_id: entity_id})
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.name, v.version_id
LIMIT $limit
