// name: episodes_speaking
// Which of $names (forms, lower-cased by the caller) speak or are spoken to in the tenant's episodes: an index
// seek on the speaker forms (`schema/004_speakers.cypher`).
// params: $tenant STRING, $names LIST<STRING>
MATCH (s:Speaker)
WHERE s.tenant = $tenant AND s.form IN $names
RETURN s.form AS name
