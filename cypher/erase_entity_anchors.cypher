// name: erase_entity_anchors
// Deletes the entity anchors of erased lineages (an erased entity, or one whose every mention was erased),
// with the names they were known by and the words of those names: names are personal data.
// params: $tenant STRING, $lineage_ids LIST<STRING>
UNWIND $lineage_ids AS lid
OPTIONAL MATCH (n:NameWord {tenant: $tenant, entity_id: lid})
DETACH DELETE n
WITH DISTINCT lid
MATCH (a:Entity {tenant: $tenant, id: lid})
DETACH DELETE a
