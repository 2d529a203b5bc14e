// name: fact_versions_insert
// Records fact versions as (:Fact) nodes linked to their subject and object entities.
// row: {version_id, subject_id, object_id, supersedes, props}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (v:Version:Fact {tenant: $tenant, version_id: row.version_id})
ON CREATE SET v += row.props
MERGE (s:Entity {tenant: $tenant, id: row.subject_id})
MERGE (v)-[:SUBJECT]->(s)
FOREACH (oid IN CASE WHEN row.object_id IS NULL THEN [] ELSE [row.object_id] END |
  MERGE (o:Entity {tenant: $tenant, id: oid})
  MERGE (v)-[:OBJECT]->(o)
)
WITH v, row
OPTIONAL MATCH (p:Version {tenant: $tenant, version_id: row.supersedes})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (v)-[:SUPERSEDES]->(p))
