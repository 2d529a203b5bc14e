// name: 004_speakers
// Who takes part in each tenant's conversations: one (:Speaker {tenant, form, episodes}) per form a participant
// is known by (the whole name and its first word, lower-cased; `tkgmem/store/speakers.py`), with the number of
// episodes that have it. `Store.speaking` is then one index seek per question instead of a walk over the
// tenant's episodes. Writes add to the counts, an erase takes away; the store fills them once when it migrates a
// database from an earlier schema (`cypher/speakers_backfill.cypher`).
CREATE CONSTRAINT speaker_form IF NOT EXISTS FOR (s:Speaker) REQUIRE (s.tenant, s.form) IS UNIQUE;
