// name: events_query
// Event versions believed at $as_of (latest when null), optionally of one participant and predicate,
// overlapping [$window_start, $window_end) (open ends unbounded); ordered by valid start (unknown first),
// the first $limit of them.
// params: $tenant STRING, $participant_id STRING?, $predicate STRING?, $as_of DATETIME?,
// params: $window_start DATETIME?, $window_end DATETIME?, $limit INTEGER
MATCH (v:EventVersion {tenant: $tenant})
WHERE ($participant_id IS NULL
       OR EXISTS { (v)-[:PARTICIPANT]->(:Entity {tenant: $tenant, id: $participant_id}) })
  AND ($predicate IS NULL OR v.predicate = $predicate)
  AND CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
           ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
  AND ($window_end IS NULL OR v.valid_from IS NULL OR v.valid_from < $window_end)
  AND ($window_start IS NULL OR v.valid_to IS NULL OR v.valid_to > $window_start)
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.valid_from IS NOT NULL, v.valid_from, v.recorded_at, v.version_id
LIMIT $limit
