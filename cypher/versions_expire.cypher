// name: versions_expire
// Sets expired_at on current versions: the only change ever made to a stored version.
// row: {version_id, at}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MATCH (v:Version {tenant: $tenant, version_id: row.version_id})
WHERE v.expired_at IS NULL
SET v.expired_at = row.at
