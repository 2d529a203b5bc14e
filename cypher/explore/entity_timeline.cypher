// name: entity_timeline
// An entity's timeline: every fact it is the subject or object of and every event it took part in, as the
// memory believed it at $as_of (null = latest belief), over all valid time, oldest first.
// Try it in Neo4j Browser:
//   :param tenant => 'default'
//   :param name => 'alice'
//   :param as_of => null            (or datetime('2024-01-15T00:00:00Z') for "what we believed then")
// params: $tenant STRING, $name STRING, $as_of DATETIME?
MATCH (e:Entity {tenant: $tenant})
WHERE toLower($name) IN e.names
MATCH (e)<-[:SUBJECT|OBJECT|PARTICIPANT]-(v:Version)
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
OPTIONAL MATCH (v)-[:SUBJECT]->(s:Entity)
OPTIONAL MATCH (v)-[:OBJECT]->(o:Entity)
RETURN v.valid_from AS valid_from, v.valid_to AS valid_to, v.kind AS kind,
       CASE v.kind
         WHEN 'fact' THEN s.name + ' ' + v.relation + ' ' + coalesce(o.name, v.object_value)
         ELSE v.predicate + coalesce(': ' + v.summary, '')
       END AS what,
       v.recorded_at AS recorded_at, v.lineage_id AS lineage_id
ORDER BY valid_from IS NOT NULL, valid_from, recorded_at
