// name: audit_insert
// Appends to the audit log (erase, correct, retract). An entry already stored is kept as it is.
// row: {id, at, actor, action, reason, details}
// params: $tenant STRING, $rows LIST<MAP>
UNWIND $rows AS row
MERGE (a:AuditEntry {id: row.id})
ON CREATE SET a.tenant = $tenant, a.at = row.at, a.actor = row.actor, a.action = row.action,
              a.reason = row.reason, a.details = row.details
