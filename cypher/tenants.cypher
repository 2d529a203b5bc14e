// name: tenants
// Every tenant that holds episodes or versions.
// params: none
MATCH (e:Episode)
RETURN DISTINCT e.tenant AS tenant
UNION
MATCH (v:Version)
RETURN DISTINCT v.tenant AS tenant
