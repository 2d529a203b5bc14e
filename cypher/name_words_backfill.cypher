// name: name_words_backfill
// Indexes the words of every name of every entity (one pass over the entity anchors). Run by `migrate` when it
// upgrades a database written before schema 5; it only merges, so running it again changes nothing. Names are
// stored normalised (single spaces), so splitting on a space gives the words the store computes on writes.
// params: none
MATCH (a:Entity)
UNWIND a.names AS name
WITH a, name, reduce(ws = [], w IN split(name, ' ') | CASE WHEN w = '' OR w IN ws THEN ws ELSE ws + w END) AS words
UNWIND words AS word
MERGE (n:NameWord {tenant: a.tenant, word: word, name: name, entity_id: a.id})
ON CREATE SET n.words = size(words)
