// name: name_words_backfill
// Indexes the words of every name of one page of entity anchors: the next $size after ($after_tenant,
// $after_id) in (tenant, id) order. `migrate` runs it page after page, each in its own transaction, when it
// upgrades a database written before schema 5 (a graph of a million facts holds ~400k name words: one
// transaction would hold them all in memory). It only merges, so running it again changes nothing. Names are
// stored normalised (single spaces), so splitting on a space gives the words the store computes on writes.
// Returns the page's size and its last anchor, where the next page starts.
// params: $after_tenant STRING, $after_id STRING, $size INTEGER
MATCH (a:Entity)
WHERE a.tenant > $after_tenant OR (a.tenant = $after_tenant AND a.id > $after_id)
WITH a ORDER BY a.tenant, a.id LIMIT $size
WITH collect(a) AS page
FOREACH (a IN page |
  FOREACH (name IN a.names |
    FOREACH (words IN [reduce(ws = [], w IN split(name, ' ') | CASE WHEN w = '' OR w IN ws THEN ws ELSE ws + w END)] |
      FOREACH (word IN words |
        MERGE (n:NameWord {tenant: a.tenant, word: word, name: name, entity_id: a.id})
        ON CREATE SET n.words = size(words)
      )
    )
  )
)
RETURN size(page) AS entities, page[-1].tenant AS tenant, page[-1].id AS id
