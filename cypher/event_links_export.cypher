// name: event_links_export
// Every event link of a tenant (export).
// params: $tenant STRING
MATCH (a:Event {tenant: $tenant})-[r:BEFORE|CAUSE|PART_OF|FOLLOW_UP|DATED_BY]->(b:Event)
RETURN a.id AS source_id, b.id AS target_id, type(r) AS type, r.recorded_at AS recorded_at,
       r.episode_id AS episode_id
ORDER BY source_id, target_id, type
