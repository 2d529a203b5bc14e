// name: episodes_insert
// Stores episodes; an episode already stored is left as it is.
// row: {id, props: {kind, source, session, speaker, addressee, text, reference_time, seq, metadata,
//       recorded_at, embedding, embedding_dims}}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (e:Episode {tenant: $tenant, id: row.id})
ON CREATE SET e += row.props
