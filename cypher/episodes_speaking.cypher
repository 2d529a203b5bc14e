// name: episodes_speaking
// Which of $names (lower-cased by the caller) speak or are spoken to in the tenant's episodes, as the whole
// name or its first word (as `tkgmem/store/speakers.py` reads them). Walks the tenant's episodes once.
// params: $tenant STRING, $names LIST<STRING>
MATCH (e:Episode {tenant: $tenant})
UNWIND [x IN [e.speaker, e.addressee] WHERE x IS NOT NULL AND trim(x) <> '' | toLower(trim(x))] AS person
WITH DISTINCT person
UNWIND [person, split(person, ' ')[0]] AS form
WITH form
WHERE form IN $names
RETURN DISTINCT form AS name
