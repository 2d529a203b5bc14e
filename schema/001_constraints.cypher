// name: 001_constraints
// Uniqueness constraints. Ids are unique within a tenant, so every constraint is composite with the tenant.
// Applied by `tkgmem migrate`; every statement is idempotent (IF NOT EXISTS).
CREATE CONSTRAINT episode_id IF NOT EXISTS FOR (e:Episode) REQUIRE (e.tenant, e.id) IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE (e.tenant, e.id) IS UNIQUE;
CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE (e.tenant, e.id) IS UNIQUE;
CREATE CONSTRAINT version_id IF NOT EXISTS FOR (v:Version) REQUIRE (v.tenant, v.version_id) IS UNIQUE;
CREATE CONSTRAINT audit_id IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.id IS UNIQUE;
CREATE CONSTRAINT checkpoint_id IF NOT EXISTS FOR (c:Checkpoint) REQUIRE (c.tenant, c.job_id) IS UNIQUE;
CREATE CONSTRAINT schema_version_id IF NOT EXISTS FOR (s:SchemaVersion) REQUIRE s.id IS UNIQUE;
