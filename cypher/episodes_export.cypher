// name: episodes_export
// One page of a tenant's episodes with their embeddings, oldest recording first (export).
// params: $tenant STRING, $skip INTEGER, $limit INTEGER
MATCH (e:Episode {tenant: $tenant})
RETURN e.id AS id, e.kind AS kind, e.source AS source, e.session AS session, e.speaker AS speaker,
       e.addressee AS addressee, e.text AS text, e.reference_time AS reference_time, e.seq AS seq,
       e.metadata AS metadata, e.recorded_at AS recorded_at, e.embedding AS embedding,
       e.embedding_dims AS embedding_dims
ORDER BY e.recorded_at, e.id
SKIP $skip
LIMIT $limit
