// name: entity_dependents
// Lineages of the facts (as subject or object) and events (as participant) of one entity.
// params: $tenant STRING, $entity_id STRING
MATCH (f:Fact {tenant: $tenant})
WHERE f.subject_id = $entity_id OR f.object_id = $entity_id
RETURN DISTINCT f.lineage_id AS lineage_id
UNION
MATCH (:Entity {tenant: $tenant, id: $entity_id})<-[:PARTICIPANT]-(v:EventVersion)
RETURN DISTINCT v.lineage_id AS lineage_id
