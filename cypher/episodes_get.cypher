// name: episodes_get
// Episodes by id (without their embeddings).
// params: $tenant STRING, $ids LIST<STRING>
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
RETURN e.id AS id, e.kind AS kind, e.source AS source, e.session AS session, e.speaker AS speaker,
       e.addressee AS addressee, e.text AS text, e.reference_time AS reference_time, e.seq AS seq,
       e.metadata AS metadata, e.recorded_at AS recorded_at
