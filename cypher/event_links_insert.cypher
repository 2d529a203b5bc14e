// name: event_links_insert
// Links events (by lineage id) with one relationship type from the fixed vocabulary
// BEFORE | CAUSE | PART_OF | FOLLOW_UP | DATED_BY; a link already stored is kept as it is.
// row: {source_id, target_id, type, recorded_at, episode_id}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (a:Event {tenant: $tenant, id: row.source_id})
MERGE (b:Event {tenant: $tenant, id: row.target_id})
FOREACH (_ IN CASE WHEN row.type = 'before' THEN [1] ELSE [] END |
  MERGE (a)-[r:BEFORE]->(b) ON CREATE SET r.recorded_at = row.recorded_at, r.episode_id = row.episode_id
)
FOREACH (_ IN CASE WHEN row.type = 'cause' THEN [1] ELSE [] END |
  MERGE (a)-[r:CAUSE]->(b) ON CREATE SET r.recorded_at = row.recorded_at, r.episode_id = row.episode_id
)
FOREACH (_ IN CASE WHEN row.type = 'part_of' THEN [1] ELSE [] END |
  MERGE (a)-[r:PART_OF]->(b) ON CREATE SET r.recorded_at = row.recorded_at, r.episode_id = row.episode_id
)
FOREACH (_ IN CASE WHEN row.type = 'follow_up' THEN [1] ELSE [] END |
  MERGE (a)-[r:FOLLOW_UP]->(b) ON CREATE SET r.recorded_at = row.recorded_at, r.episode_id = row.episode_id
)
FOREACH (_ IN CASE WHEN row.type = 'dated_by' THEN [1] ELSE [] END |
  MERGE (a)-[r:DATED_BY]->(b) ON CREATE SET r.recorded_at = row.recorded_at, r.episode_id = row.episode_id
)
