// name: schema_version_get
// The schema version recorded by the last `tkgmem migrate`.
// params: none
MATCH (s:SchemaVersion {id: 'tkgmem'})
RETURN s.version AS version
