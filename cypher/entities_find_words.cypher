// name: entities_find_words
// Entities a name of which (any ever used) holds every word of $words or only words of $words, nearest first:
// fewest words differing, then by name; as believed at $as_of (latest when null). $words are distinct and
// normalised by the caller. This reads the tenant's entity anchors: no Neo4j index holds the words of a list.
// params: $tenant STRING, $words LIST<STRING>, $as_of DATETIME?, $limit INTEGER
MATCH (a:Entity {tenant: $tenant})
WHERE any(n IN a.names WHERE any(w IN split(n, ' ') WHERE w IN $words))
WITH a, [n IN a.names | reduce(ws = [], w IN split(n, ' ') | CASE WHEN w IN ws THEN ws ELSE ws + w END)] AS named
WITH a, [ws IN named | {words: size(ws), hits: size([w IN ws WHERE w IN $words])}] AS counts
WITH a, [c IN counts WHERE c.hits = c.words OR c.hits = size($words) | c.words + size($words) - 2 * c.hits] AS near
WHERE size(near) > 0
WITH a, reduce(d = head(near), x IN near | CASE WHEN x < d THEN x ELSE d END) AS distance
MATCH (a)-[:VERSION]->(v:EntityVersion)
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY distance, v.name, v.version_id
LIMIT $limit
