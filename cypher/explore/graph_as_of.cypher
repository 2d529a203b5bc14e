// name: graph_as_of
// The graph of facts true at $valid_at as the memory believed it at $as_of (null = latest belief), as paths
// Browser draws: entity <-SUBJECT- fact -OBJECT-> entity. Both null-able dates answer the four questions:
// now/latest, then/latest, now/as believed then, then/as believed then.
//   :param tenant => 'default'
//   :param valid_at => datetime('2021-08-01T00:00:00Z')
//   :param as_of => null
// params: $tenant STRING, $valid_at DATETIME, $as_of DATETIME?
MATCH p = (s:Entity)<-[:SUBJECT]-(v:Fact {tenant: $tenant})-[:OBJECT]->(o:Entity)
WHERE CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
  AND (v.valid_from IS NULL OR v.valid_from <= $valid_at)
  AND (v.valid_to IS NULL OR v.valid_to > $valid_at)
RETURN p
LIMIT 500
