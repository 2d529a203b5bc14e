// name: entity_versions_insert
// Records entity versions under their lineage anchor (:Entity), which keeps the latest name and type and
// every name ever used (for lookup by name or alias). A version already stored is left as it is.
// row: {version_id, lineage_id, name, type, names, supersedes, props}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (a:Entity {tenant: $tenant, id: row.lineage_id})
SET a.name = row.name, a.type = row.type,
    a.names = reduce(acc = coalesce(a.names, []), n IN row.names | CASE WHEN n IN acc THEN acc ELSE acc + n END)
MERGE (v:Version:EntityVersion {tenant: $tenant, version_id: row.version_id})
ON CREATE SET v += row.props
MERGE (a)-[:VERSION]->(v)
WITH v, row
OPTIONAL MATCH (p:Version {tenant: $tenant, version_id: row.supersedes})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (v)-[:SUPERSEDES]->(p))
