// name: lock_entities
// Serialises concurrent writers of the same entities (as subjects of facts, or entity lineages): takes each
// anchor's write lock (bumping write_seq) before the transaction reads the current versions it plans on.
// The locks are held until commit; ids come sorted so that writers lock in one order.
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MERGE (e:Entity {tenant: $tenant, id: id})
SET e.write_seq = coalesce(e.write_seq, 0) + 1
