// name: erase_entity_anchor
// Deletes an erased entity's anchor node, with the names it was known by and their words.
// params: $tenant STRING, $entity_id STRING
OPTIONAL MATCH (n:NameWord {tenant: $tenant, entity_id: $entity_id})
DETACH DELETE n
WITH count(*) AS _
MATCH (a:Entity {tenant: $tenant, id: $entity_id})
DETACH DELETE a
