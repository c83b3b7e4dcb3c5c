-- The auth database: logins and their scrypt password hashes, live sessions and API tokens (never in the graph).
-- Sessions and tokens are stored as SHA-256 digests: whoever reads this file cannot use them.
CREATE TABLE IF NOT EXISTS app_user (
    email TEXT PRIMARY KEY, role TEXT NOT NULL, staff TEXT, password TEXT NOT NULL, created TEXT NOT NULL
);
-- `expires` was added later: UserStore adds it to older files (tokens made before then expire 90 days after creation).
CREATE TABLE IF NOT EXISTS api_token (
    digest TEXT PRIMARY KEY, email TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_session (
    digest TEXT PRIMARY KEY, email TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_session_email ON login_session (email);
CREATE INDEX IF NOT EXISTS api_token_email ON api_token (email);
