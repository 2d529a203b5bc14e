// name: audit_list
// The audit log of a tenant, oldest first.
// params: $tenant STRING
MATCH (a:AuditEntry {tenant: $tenant})
RETURN a.id AS id, a.at AS at, a.actor AS actor, a.action AS action, a.reason AS reason, a.details AS details
ORDER BY a.at
