-- The auth database: logins and their scrypt password hashes (never stored in the graph).
CREATE TABLE IF NOT EXISTS app_user (
    email TEXT PRIMARY KEY, role TEXT NOT NULL, staff TEXT, password TEXT NOT NULL, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_token (
    digest TEXT PRIMARY KEY, email TEXT NOT NULL, created TEXT NOT NULL
);
