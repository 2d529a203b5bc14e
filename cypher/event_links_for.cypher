// name: event_links_for
// Links that start or end at any of the given event lineages.
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MATCH (:Event {tenant: $tenant, id: id})-[r:BEFORE|CAUSE|PART_OF|FOLLOW_UP|DATED_BY]-()
WITH DISTINCT r
RETURN startNode(r).id AS source_id, endNode(r).id AS target_id, type(r) AS type,
       r.recorded_at AS recorded_at, r.episode_id AS episode_id
ORDER BY source_id, target_id, type
