// name: schema
// kind: schema
// doc: Uniqueness constraints (one per label's id/key, and the audit trail's) and the indexes the reports and writes rely on
// doc: (`interaction_at`: the reports' windows seek interactions by moment).
// doc: Run once per database (graphcrm init); every statement is IF NOT EXISTS, so re-running is safe.
CREATE CONSTRAINT tier_key IF NOT EXISTS FOR (t:Tier) REQUIRE t.key IS UNIQUE;
CREATE CONSTRAINT staff_id IF NOT EXISTS FOR (s:Staff) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT team_id IF NOT EXISTS FOR (t:Team) REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT client_id IF NOT EXISTS FOR (c:Client) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT interaction_id IF NOT EXISTS FOR (i:Interaction) REQUIRE i.id IS UNIQUE;
CREATE CONSTRAINT need_id IF NOT EXISTS FOR (n:Need) REQUIRE n.id IS UNIQUE;
CREATE INDEX interaction_kind IF NOT EXISTS FOR (i:Interaction) ON (i.kind);
CREATE INDEX interaction_at IF NOT EXISTS FOR (i:Interaction) ON (i.at);
CREATE INDEX client_name IF NOT EXISTS FOR (c:Client) ON (c.name);
CREATE INDEX staff_name IF NOT EXISTS FOR (s:Staff) ON (s.name);
CREATE CONSTRAINT audit_id IF NOT EXISTS FOR (a:Audit) REQUIRE a.id IS UNIQUE;
CREATE INDEX audit_at IF NOT EXISTS FOR (a:Audit) ON (a.at);
CREATE CONSTRAINT trend_point_key IF NOT EXISTS FOR (p:TrendPoint) REQUIRE p.key IS UNIQUE;
CREATE CONSTRAINT trend_history_key IF NOT EXISTS FOR (h:TrendHistory) REQUIRE h.key IS UNIQUE;
