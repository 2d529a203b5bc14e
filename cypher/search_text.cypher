// name: search_text
// Episodes matching a Lucene query over text and speaker (full-text index), best first.
// params: $tenant STRING, $query STRING, $k INTEGER
CALL db.index.fulltext.queryNodes('episode_text', $query) YIELD node, score
WITH node, score
WHERE node.tenant = $tenant
RETURN node.id AS id, score
ORDER BY score DESC
LIMIT $k
