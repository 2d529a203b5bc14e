// name: checkpoints_list
// Every ingestion job of a tenant with its saved state, most recently updated first (jobs, export).
// params: $tenant STRING
MATCH (c:Checkpoint {tenant: $tenant})
RETURN c.job_id AS job_id, c.state AS state, c.updated_at AS updated_at
ORDER BY updated_at DESC, job_id
