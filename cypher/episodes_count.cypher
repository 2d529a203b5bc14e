// name: episodes_count
// Number of episodes of a tenant.
// params: $tenant STRING
MATCH (e:Episode {tenant: $tenant})
RETURN count(e) AS episodes
