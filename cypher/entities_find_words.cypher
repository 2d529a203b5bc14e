// name: entities_find_words
// Entities a name of which (any ever used) holds every word of $words or only words of $words, nearest first:
// fewest words differing, then by name; as believed at $as_of (latest when null). $words are distinct and
// normalised by the caller. One index seek per word (schema/005_name_words.cypher).
// params: $tenant STRING, $words LIST<STRING>, $as_of DATETIME?, $limit INTEGER
UNWIND $words AS word
MATCH (n:NameWord {tenant: $tenant, word: word})
WITH n.entity_id AS entity_id, n.name AS name, n.words AS words, count(*) AS hits
WHERE hits = words OR hits = size($words)
WITH entity_id, min(words + size($words) - 2 * hits) AS distance
MATCH (v:EntityVersion {tenant: $tenant, lineage_id: entity_id})
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY distance, v.name, v.version_id
LIMIT $limit
