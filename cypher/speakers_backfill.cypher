// name: speakers_backfill
// Recounts every tenant's speaker forms from its episodes (one pass over all episodes). Run by `migrate` when
// it upgrades a database written before schema 4; it sets the counts, so running it again changes nothing.
// params: none
MATCH (e:Episode)
UNWIND [x IN [e.speaker, e.addressee] WHERE x IS NOT NULL AND trim(x) <> '' | toLower(trim(x))] AS person
UNWIND [person, split(person, ' ')[0]] AS form
WITH e.tenant AS tenant, e, collect(DISTINCT form) AS forms
UNWIND forms AS form
WITH tenant, form, count(*) AS n
MERGE (s:Speaker {tenant: tenant, form: form})
SET s.episodes = n
