// name: checkpoint_load
// The saved state of an ingestion job, if any.
// params: $tenant STRING, $job_id STRING
MATCH (c:Checkpoint {tenant: $tenant, job_id: $job_id})
RETURN c.state AS state
