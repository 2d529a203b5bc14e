// name: erase_entity_anchor
// Deletes an erased entity's anchor node, with the names it was known by.
// params: $tenant STRING, $entity_id STRING
MATCH (a:Entity {tenant: $tenant, id: $entity_id})
DETACH DELETE a
