// name: facts_current_for_keys
// Current facts of the given (subject, relation) pairs: the state the contradiction rule works on.
// key: {subject_id, relation}
// params: $tenant STRING, $keys LIST<MAP>
UNWIND $keys AS key
MATCH (v:Fact {tenant: $tenant, subject_id: key.subject_id, relation: key.relation})
WHERE v.expired_at IS NULL
RETURN v.kind AS kind, v.body AS body, v.expired_at AS expired_at
ORDER BY v.recorded_at
