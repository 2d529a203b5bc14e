// name: checkpoints_export
// Every ingestion-job checkpoint of a tenant (export).
// params: $tenant STRING
MATCH (c:Checkpoint {tenant: $tenant})
RETURN c.job_id AS job_id, c.state AS state
ORDER BY job_id
