// name: 002_range_indexes
// Range indexes on the tenant, the lookup keys and every time property (DATETIME), per label, so that
// Browser filters such as `WHERE f.valid_from >= datetime('2021-01-01')` and the store's reads use an index.
CREATE INDEX episode_tenant IF NOT EXISTS FOR (e:Episode) ON (e.tenant);
CREATE INDEX episode_reference_time IF NOT EXISTS FOR (e:Episode) ON (e.tenant, e.reference_time);
CREATE INDEX episode_recorded_at IF NOT EXISTS FOR (e:Episode) ON (e.recorded_at);
CREATE INDEX episode_source IF NOT EXISTS FOR (e:Episode) ON (e.tenant, e.source, e.seq);
CREATE INDEX entity_tenant IF NOT EXISTS FOR (e:Entity) ON (e.tenant);
CREATE INDEX event_tenant IF NOT EXISTS FOR (e:Event) ON (e.tenant);
CREATE INDEX version_tenant IF NOT EXISTS FOR (v:Version) ON (v.tenant);
CREATE INDEX version_lineage IF NOT EXISTS FOR (v:Version) ON (v.tenant, v.lineage_id);
CREATE INDEX version_kind IF NOT EXISTS FOR (v:Version) ON (v.tenant, v.kind);
CREATE INDEX version_valid_from IF NOT EXISTS FOR (v:Version) ON (v.valid_from);
CREATE INDEX version_valid_to IF NOT EXISTS FOR (v:Version) ON (v.valid_to);
CREATE INDEX version_recorded_at IF NOT EXISTS FOR (v:Version) ON (v.recorded_at);
CREATE INDEX version_expired_at IF NOT EXISTS FOR (v:Version) ON (v.expired_at);
CREATE INDEX fact_subject IF NOT EXISTS FOR (f:Fact) ON (f.tenant, f.subject_id, f.relation);
CREATE INDEX fact_object IF NOT EXISTS FOR (f:Fact) ON (f.tenant, f.object_id);
CREATE INDEX fact_valid_from IF NOT EXISTS FOR (f:Fact) ON (f.valid_from);
CREATE INDEX fact_valid_to IF NOT EXISTS FOR (f:Fact) ON (f.valid_to);
CREATE INDEX fact_recorded_at IF NOT EXISTS FOR (f:Fact) ON (f.recorded_at);
CREATE INDEX fact_expired_at IF NOT EXISTS FOR (f:Fact) ON (f.expired_at);
CREATE INDEX event_version_predicate IF NOT EXISTS FOR (v:EventVersion) ON (v.tenant, v.predicate);
CREATE INDEX event_version_valid_from IF NOT EXISTS FOR (v:EventVersion) ON (v.valid_from);
CREATE INDEX event_version_valid_to IF NOT EXISTS FOR (v:EventVersion) ON (v.valid_to);
CREATE INDEX event_version_recorded_at IF NOT EXISTS FOR (v:EventVersion) ON (v.recorded_at);
CREATE INDEX event_version_expired_at IF NOT EXISTS FOR (v:EventVersion) ON (v.expired_at);
CREATE INDEX entity_version_recorded_at IF NOT EXISTS FOR (v:EntityVersion) ON (v.recorded_at);
CREATE INDEX entity_version_expired_at IF NOT EXISTS FOR (v:EntityVersion) ON (v.expired_at);
CREATE INDEX audit_tenant_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.tenant, a.at);
CREATE INDEX checkpoint_updated_at IF NOT EXISTS FOR (c:Checkpoint) ON (c.updated_at);
