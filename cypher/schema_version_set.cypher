// name: schema_version_set
// Records the schema version after the schema files were applied.
// params: $version INTEGER
MERGE (s:SchemaVersion {id: 'tkgmem'})
SET s.version = $version, s.applied_at = datetime()
