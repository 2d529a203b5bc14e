// name: entity_versions_insert
// Records entity versions under their lineage anchor (:Entity), which keeps the latest name and type and
// every name ever used, and indexes the words of those names (:NameWord, for lookup by name, alias or words).
// A version already stored is left as it is.
// row: {version_id, lineage_id, name, type, names, name_words: [{word, name, words}], supersedes, props}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (a:Entity {tenant: $tenant, id: row.lineage_id})
SET a.name = row.name, a.type = row.type,
    a.names = reduce(acc = coalesce(a.names, []), n IN row.names | CASE WHEN n IN acc THEN acc ELSE acc + n END)
FOREACH (w IN row.name_words |
    MERGE (nw:NameWord {tenant: $tenant, word: w.word, name: w.name, entity_id: row.lineage_id})
    ON CREATE SET nw.words = w.words)
MERGE (v:Version:EntityVersion {tenant: $tenant, version_id: row.version_id})
ON CREATE SET v += row.props
MERGE (a)-[:VERSION]->(v)
WITH v, row
OPTIONAL MATCH (p:Version {tenant: $tenant, version_id: row.supersedes})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (v)-[:SUPERSEDES]->(p))
