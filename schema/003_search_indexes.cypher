// name: 003_search_indexes
// Lexical and dense search over episodes. The vector index holds all-MiniLM-L6-v2 embeddings (384 dims,
// cosine); shorter vectors are zero-padded by the store, which leaves cosine similarity unchanged.
CREATE FULLTEXT INDEX episode_text IF NOT EXISTS FOR (e:Episode) ON EACH [e.text, e.speaker];
CREATE VECTOR INDEX episode_embedding IF NOT EXISTS FOR (e:Episode) ON (e.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine'}};
