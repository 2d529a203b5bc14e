// name: checkpoint_save
// Saves the state of an ingestion job (restarts resume from it).
// params: $tenant STRING, $job_id STRING, $state STRING, $updated_at DATETIME
MERGE (c:Checkpoint {tenant: $tenant, job_id: $job_id})
SET c.state = $state, c.updated_at = $updated_at
