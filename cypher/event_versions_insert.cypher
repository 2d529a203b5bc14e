// name: event_versions_insert
// Records event versions under their lineage anchor (:Event), linked to participants (with their role)
// and place.
// row: {version_id, lineage_id, predicate, summary, participants: [{entity_id, role}], place_id, supersedes, props}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (a:Event {tenant: $tenant, id: row.lineage_id})
SET a.predicate = row.predicate, a.summary = row.summary
MERGE (v:Version:EventVersion {tenant: $tenant, version_id: row.version_id})
ON CREATE SET v += row.props
MERGE (a)-[:VERSION]->(v)
FOREACH (p IN row.participants |
  MERGE (e:Entity {tenant: $tenant, id: p.entity_id})
  MERGE (v)-[:PARTICIPANT {role: p.role}]->(e)
)
FOREACH (pid IN CASE WHEN row.place_id IS NULL THEN [] ELSE [row.place_id] END |
  MERGE (pl:Entity {tenant: $tenant, id: pid})
  MERGE (v)-[:PLACE]->(pl)
)
WITH v, row
OPTIONAL MATCH (p:Version {tenant: $tenant, version_id: row.supersedes})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (v)-[:SUPERSEDES]->(p))
