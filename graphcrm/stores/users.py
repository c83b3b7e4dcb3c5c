"""Users and their credentials, in a local SQLite auth database (never in Neo4j, where analysts can read everything)."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.security import check_password_hash, generate_password_hash

from graphcrm.errors import ConfigError, UserError
from graphcrm.permissions import User, check_login

__all__ = ["User", "UserStore", "auth_db_for", "UserError"]

_SCHEMA = Path(__file__).with_name("users_schema.sql")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def auth_db_for(store_url: str, explicit: str | None = None) -> str:
    """Where users live: GRAPHCRM_AUTH_DB, else the embedded store's own file, else ./graphcrm-auth.db."""
    if explicit:
        return explicit
    if urlsplit(store_url).scheme == "sqlite":
        path = store_url[len("sqlite://"):]
        return path[1:] if path.startswith("/") else path
    return "graphcrm-auth.db"


class UserStore:
    """Users with scrypt password hashes (werkzeug's default), in SQLite with synchronous=FULL."""

    def __init__(self, path: str):
        if path != ":memory:" and not Path(path).expanduser().resolve().parent.is_dir():
            raise ConfigError(f"auth database folder for {path} does not exist")
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA.read_text(encoding="utf-8"))

    def close(self) -> None:
        self._db.close()

    def add(self, email: str, role: str, staff: str | None = None, password: str | None = None) -> str:
        """Create or update a user; returns the password (generated when none is given)."""
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise UserError(f"{email!r} is not an email address")
        check_login(role, staff)
        if password is None:
            password = secrets.token_urlsafe(12)
        if len(password) < 8:
            raise UserError("a password needs at least 8 characters")
        with self._lock:
            self._db.execute(
                "INSERT INTO app_user (email, role, staff, password, created) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET role = excluded.role, staff = excluded.staff, password = excluded.password",
                (email, role, staff, generate_password_hash(password), datetime.now(timezone.utc).isoformat()))
        return password

    def get(self, email: str) -> User | None:
        with self._lock:
            row = self._db.execute("SELECT email, role, staff FROM app_user WHERE email = ?", (email.strip().lower(),)).fetchone()
        return User(*row) if row else None

    def require(self, email: str | None) -> User:
        """The acting user for a command, or a clear error."""
        if not email:
            raise UserError("say who is acting: --as EMAIL (or set GRAPHCRM_USER)")
        user = self.get(email)
        if user is None:
            raise UserError(f"unknown user {email!r} (add one with: graphcrm users add EMAIL --role ROLE)")
        return user

    def check_password(self, email: str, password: str) -> User | None:
        with self._lock:
            row = self._db.execute("SELECT email, role, staff, password FROM app_user WHERE email = ?",
                                   (email.strip().lower(),)).fetchone()
        if row is None:
            # Same work as a real check, so the answer time does not tell which emails exist.
            check_password_hash(_DUMMY_HASH, password)
            return None
        return User(*row[:3]) if check_password_hash(row[3], password) else None

    def create_token(self, email: str) -> str:
        """A new API token for the user (only its SHA-256 digest is stored)."""
        if self.get(email) is None:
            raise UserError(f"unknown user {email!r}")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute("INSERT INTO api_token (digest, email, created) VALUES (?, ?, ?)",
                             (hashlib.sha256(token.encode()).hexdigest(), email.strip().lower(), datetime.now(timezone.utc).isoformat()))
        return token

    def user_for_token(self, token: str) -> User | None:
        with self._lock:
            row = self._db.execute("SELECT email FROM api_token WHERE digest = ?",
                                   (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
        return self.get(row[0]) if row else None

    def all(self) -> list[User]:
        with self._lock:
            rows = self._db.execute("SELECT email, role, staff FROM app_user ORDER BY email").fetchall()
        return [User(*row) for row in rows]


_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
