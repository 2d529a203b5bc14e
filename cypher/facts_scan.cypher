// name: facts_scan
// Facts of a tenant with optional filters; same basis rules as facts_by_subject.
// params: $tenant STRING, $subject_id STRING?, $object_id STRING?, $entity_id STRING?, $relation STRING?,
// params: $relations LIST<STRING>?, $exclude_subjects LIST<STRING>?, $exclude_objects LIST<STRING>?,
// params: $exclude_relations LIST<STRING>?, $as_of DATETIME?, $valid_at DATETIME, $use_window BOOLEAN,
// params: $window_start DATETIME?, $window_end DATETIME?, $all_versions BOOLEAN, $limit INTEGER
MATCH (v:Fact {tenant: $tenant})
WHERE ($subject_id IS NULL OR v.subject_id = $subject_id)
  AND ($object_id IS NULL OR v.object_id = $object_id)
  AND ($entity_id IS NULL OR v.subject_id = $entity_id OR v.object_id = $entity_id)
  AND ($relation IS NULL OR v.relation = $relation)
  AND ($relations IS NULL OR v.relation IN $relations)
  AND ($exclude_subjects IS NULL OR NOT v.subject_id IN $exclude_subjects)
  AND ($exclude_objects IS NULL OR v.object_id IS NULL OR NOT v.object_id IN $exclude_objects)
  AND ($exclude_relations IS NULL OR NOT v.relation IN $exclude_relations)
  AND ($all_versions OR (CASE WHEN $as_of IS NULL THEN v.expired_at IS NULL
                ELSE v.recorded_at <= $as_of AND (v.expired_at IS NULL OR v.expired_at > $as_of) END
       AND CASE WHEN $use_window
                THEN ($window_end IS NULL OR v.valid_from IS NULL OR v.valid_from < $window_end)
                     AND ($window_start IS NULL OR v.valid_to IS NULL OR v.valid_to > $window_start)
                ELSE (v.valid_from IS NULL OR v.valid_from <= $valid_at)
                     AND (v.valid_to IS NULL OR v.valid_to > $valid_at) END))
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.valid_from IS NOT NULL, v.valid_from, v.recorded_at, v.version_id
LIMIT $limit
