// name: erase_event_anchors
// Deletes the event anchors of erased lineages, and with them every link from or to those events.
// params: $tenant STRING, $lineage_ids LIST<STRING>
UNWIND $lineage_ids AS lid
MATCH (a:Event {tenant: $tenant, id: lid})
DETACH DELETE a
