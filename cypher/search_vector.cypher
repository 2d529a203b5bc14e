// name: search_vector
// Nearest episodes by embedding (native vector index, cosine). The index spans tenants, so the store asks
// for $candidates neighbours and keeps its tenant's, asking for more when too few are left.
// params: $tenant STRING, $candidates INTEGER, $vector LIST<FLOAT>
CALL db.index.vector.queryNodes('episode_embedding', $candidates, $vector) YIELD node, score
RETURN node.id AS id, node.tenant = $tenant AS mine, score
ORDER BY score DESC
