// name: lock_events
// Serialises concurrent writers of the same events: takes each event anchor's write lock (bumping write_seq)
// before the transaction reads the current versions it plans on. Held until commit; ids come sorted.
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MERGE (e:Event {tenant: $tenant, id: id})
SET e.write_seq = coalesce(e.write_seq, 0) + 1
