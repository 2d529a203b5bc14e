// name: episodes_known
// Which of the given episode ids are already stored (re-ingesting is a no-op).
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
RETURN e.id AS id
