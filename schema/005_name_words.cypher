// name: 005_name_words
// The words of every name an entity was known by: one (:NameWord {tenant, word, name, entity_id, words}) per
// distinct word of each normalised name (`words`: how many distinct words that name has), as the embedded
// store's `name_words` table holds them. Finding entities by name (`entities_find_name`) or by the words of a
// name (`entities_find_words`) is then an index seek, not a walk over the tenant's entities. Entity writes add
// them (`entity_versions_insert`), erasing an entity (or every mention of it) deletes them, and the store fills
// them once when it migrates a database from an earlier schema (`cypher/name_words_backfill.cypher`).
CREATE CONSTRAINT name_word IF NOT EXISTS FOR (n:NameWord) REQUIRE (n.tenant, n.word, n.name, n.entity_id) IS UNIQUE;
CREATE INDEX name_word_word IF NOT EXISTS FOR (n:NameWord) ON (n.tenant, n.word);
CREATE INDEX name_word_name IF NOT EXISTS FOR (n:NameWord) ON (n.tenant, n.name);
CREATE INDEX name_word_entity IF NOT EXISTS FOR (n:NameWord) ON (n.tenant, n.entity_id);
