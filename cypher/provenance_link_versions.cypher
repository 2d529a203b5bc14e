// name: provenance_link_versions
// Links versions to the episodes (and character spans; -1 = unknown) they were extracted from.
// row: {version_id, episode_id, start, end}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MATCH (v:Version {tenant: $tenant, version_id: row.version_id})
MATCH (e:Episode {tenant: $tenant, id: row.episode_id})
MERGE (v)-[:MENTIONED_IN {start: row.start, end: row.end}]->(e)
