-- SQLite schema of the embedded store: one table per node label, one per relationship with
-- properties. Dates are ISO text; a null `since` is stored as '' so it can be part of a key.
-- An interaction's `ts` is its `at` in whole microseconds since 1970 UTC: windows are integer ranges
-- on the covering indexes below (version 2; a version-1 file gets the column when it is opened).

CREATE TABLE IF NOT EXISTS tier (
    key TEXT PRIMARY KEY, level INTEGER NOT NULL, name TEXT, duty TEXT
);
CREATE TABLE IF NOT EXISTS staff (
    id TEXT PRIMARY KEY, name TEXT, email TEXT, tier TEXT, capacity INTEGER,
    joined TEXT, "left" TEXT, manager TEXT
);
CREATE TABLE IF NOT EXISTS team (
    id TEXT PRIMARY KEY, name TEXT
);
CREATE TABLE IF NOT EXISTS membership (
    staff TEXT NOT NULL, team TEXT NOT NULL, since TEXT NOT NULL, until TEXT,
    PRIMARY KEY (staff, team, since)
);
CREATE TABLE IF NOT EXISTS client (
    id TEXT PRIMARY KEY, name TEXT, industry TEXT, grade TEXT, value REAL, stage TEXT
);
CREATE TABLE IF NOT EXISTS coverage (
    staff TEXT NOT NULL, client TEXT NOT NULL, tier TEXT NOT NULL, role TEXT,
    since TEXT NOT NULL, until TEXT,
    PRIMARY KEY (staff, client, tier, since)
);
CREATE TABLE IF NOT EXISTS engagement (
    team TEXT NOT NULL, client TEXT NOT NULL, since TEXT NOT NULL, until TEXT,
    PRIMARY KEY (team, client, since)
);
CREATE TABLE IF NOT EXISTS interaction (
    id TEXT PRIMARY KEY, client TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL,
    staff TEXT NOT NULL, amount REAL, summary TEXT, grade TEXT, score REAL, stage TEXT, ts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS need (
    id TEXT PRIMARY KEY, client TEXT NOT NULL, detected TEXT NOT NULL, summary TEXT,
    source TEXT, staff TEXT
);
DROP INDEX IF EXISTS interaction_client;
CREATE INDEX IF NOT EXISTS interaction_client_ts ON interaction (client, ts, staff);
CREATE INDEX IF NOT EXISTS interaction_ts ON interaction (ts, client, staff);
CREATE INDEX IF NOT EXISTS interaction_milestone ON interaction (client) WHERE kind IN ('assessment', 'handover');
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
-- Trend points computed for past days, and the counter a history edit moves (see EmbeddedStore.trend_points).
CREATE TABLE IF NOT EXISTS trend_point (
    key TEXT PRIMARY KEY, day TEXT NOT NULL, figures TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trend_point_day ON trend_point (day);
CREATE TABLE IF NOT EXISTS trend_history (
    id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL
);
INSERT OR IGNORE INTO trend_history (id, epoch) VALUES (1, 0);
PRAGMA user_version = 2;
