// name: superseded_facts
// Facts the memory no longer believes, and what replaced them: each expired fact version with its successor
// (a correction, a merge, or a contradiction that closed its valid interval). Expired versions without a
// successor were retracted or overridden by a newer value with the same start.
//   :param tenant => 'default'
// params: $tenant STRING
MATCH (old:Fact {tenant: $tenant})-[:SUBJECT]->(s:Entity)
WHERE old.expired_at IS NOT NULL
OPTIONAL MATCH (old)-[:OBJECT]->(was:Entity)
OPTIONAL MATCH (new:Fact)-[:SUPERSEDES]->(old)
OPTIONAL MATCH (new)-[:OBJECT]->(now:Entity)
RETURN s.name AS subject, old.relation AS relation,
       coalesce(was.name, old.object_value) AS believed, old.valid_from AS believed_from,
       old.valid_to AS believed_to, old.expired_at AS replaced_at,
       CASE WHEN new IS NULL THEN 'retracted or overridden' ELSE new.reason END AS why,
       coalesce(now.name, new.object_value) AS replaced_by, new.valid_from AS new_from, new.valid_to AS new_to
ORDER BY replaced_at DESC
