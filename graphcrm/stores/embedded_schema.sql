-- SQLite schema of the embedded store: one table per node label, one per relationship with
-- properties. Dates are ISO text; a null `since` is stored as '' so it can be part of a key.
PRAGMA user_version = 1;

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
    staff TEXT NOT NULL, amount REAL, summary TEXT, grade TEXT, score REAL, stage TEXT
);
CREATE TABLE IF NOT EXISTS need (
    id TEXT PRIMARY KEY, client TEXT NOT NULL, detected TEXT NOT NULL, summary TEXT,
    source TEXT, staff TEXT
);
CREATE INDEX IF NOT EXISTS interaction_client ON interaction (client);
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
