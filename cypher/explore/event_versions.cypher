// name: event_versions
// The events of one entity with their current version's time, modality and who took part (with roles),
// the starting point for event_chain.
//   :param tenant => 'default'
//   :param name => 'alice'
// params: $tenant STRING, $name STRING
MATCH (e:Entity {tenant: $tenant})<-[:PARTICIPANT]-(v:EventVersion)<-[:VERSION]-(ev:Event)
WHERE toLower($name) IN e.names AND v.expired_at IS NULL
MATCH (v)-[r:PARTICIPANT]->(who:Entity)
RETURN ev.id AS event_id, v.predicate AS predicate, v.summary AS summary, v.modality AS modality,
       v.valid_from AS valid_from, v.valid_to AS valid_to, collect(who.name + ' (' + r.role + ')') AS participants
ORDER BY valid_from
