// name: event_chain
// Event chains around one event: what led to it and what followed (up to 4 hops over BEFORE, CAUSE,
// FOLLOW_UP and PART_OF links between events), as paths Browser draws. Find event ids with entity_timeline
// (its lineage_id column).
//   :param tenant => 'default'
//   :param event_id => 'ev_...'
// params: $tenant STRING, $event_id STRING
MATCH p = (:Event {tenant: $tenant})-[:BEFORE|CAUSE|FOLLOW_UP|PART_OF*1..4]->(:Event {tenant: $tenant, id: $event_id})
RETURN 'before' AS direction, p
UNION
MATCH p = (:Event {tenant: $tenant, id: $event_id})-[:BEFORE|CAUSE|FOLLOW_UP|PART_OF*1..4]->(:Event {tenant: $tenant})
RETURN 'after' AS direction, p
