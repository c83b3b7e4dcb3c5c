"""Users and their credentials, in a local SQLite auth database (never in Neo4j, where analysts can read everything)."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.security import check_password_hash, generate_password_hash

from graphcrm.errors import ConfigError, UserError
from graphcrm.permissions import User, check_login

__all__ = ["User", "UserStore", "TokenInfo", "auth_db_for", "UserError", "DEFAULT_TOKEN_DAYS"]

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


#: How long an API token lives unless its creator says otherwise.
DEFAULT_TOKEN_DAYS = 90


@dataclass(frozen=True)
class TokenInfo:
    """An API token as `graphcrm users token --list` shows it (never the token itself: only its digest is kept)."""

    id: str                # the first 12 hex digits of the digest: enough to name it for --revoke
    email: str
    created: datetime
    expires: datetime

    @property
    def expired(self) -> bool:
        return self.expires <= _now()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class UserStore:
    """Users with scrypt password hashes (werkzeug's default), sessions and API tokens, in SQLite with synchronous=FULL.

    A session or token is usable while its row exists and has not expired: logging out deletes the
    session's row; a new password, role or staff link deletes all the user's sessions; revoking a
    token deletes its row. Whether the user's staff member has left is the web app's check.
    """

    def __init__(self, path: str):
        if path != ":memory:" and not Path(path).expanduser().resolve().parent.is_dir():
            raise ConfigError(f"auth database folder for {path} does not exist")
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA.read_text(encoding="utf-8"))
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(api_token)")}
        if "expires" not in columns:            # an auth database from before tokens expired
            with self._lock:
                self._db.execute("ALTER TABLE api_token ADD COLUMN expires TEXT")
                for digest, created in self._db.execute("SELECT digest, created FROM api_token").fetchall():
                    expires = datetime.fromisoformat(created) + timedelta(days=DEFAULT_TOKEN_DAYS)
                    self._db.execute("UPDATE api_token SET expires = ? WHERE digest = ?", (expires.isoformat(), digest))

    def close(self) -> None:
        self._db.close()

    # -- users ------------------------------------------------------------------------------------
    def add(self, email: str, role: str, staff: str | None = None, password: str | None = None) -> str:
        """Create or update a user; returns the password (generated when none is given).

        Changing an existing user's password, role or staff member ends all their sessions.
        """
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise UserError(f"{email!r} is not an email address")
        check_login(role, staff)
        if password is None:
            password = secrets.token_urlsafe(12)
        if len(password) < 8:
            raise UserError("a password needs at least 8 characters")
        hashed = generate_password_hash(password)
        with self._lock:
            old = self._db.execute("SELECT role, staff, password FROM app_user WHERE email = ?", (email,)).fetchone()
        changed = old is not None and ((old[0], old[1]) != (role, staff) or not check_password_hash(old[2], password))
        with self._lock:
            with self._db:                      # one transaction: the new credentials and the end of the old sessions
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT INTO app_user (email, role, staff, password, created) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (email) DO UPDATE SET role = excluded.role, staff = excluded.staff, password = excluded.password",
                    (email, role, staff, hashed, _now().isoformat()))
                if changed:
                    self._db.execute("DELETE FROM login_session WHERE email = ?", (email,))
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

    def all(self) -> list[User]:
        with self._lock:
            rows = self._db.execute("SELECT email, role, staff FROM app_user ORDER BY email").fetchall()
        return [User(*row) for row in rows]

    # -- sessions ---------------------------------------------------------------------------------
    def start_session(self, email: str, hours: float = 12.0) -> str:
        """A new session for the user: the secret goes in the (signed) cookie, its digest here."""
        secret = secrets.token_urlsafe(32)
        now = _now()
        with self._lock:
            self._db.execute("DELETE FROM login_session WHERE expires <= ?", (now.isoformat(),))
            self._db.execute("INSERT INTO login_session (digest, email, created, expires) VALUES (?, ?, ?, ?)",
                             (_digest(secret), email.strip().lower(), now.isoformat(), (now + timedelta(hours=hours)).isoformat()))
        return secret

    def user_for_session(self, secret: str) -> User | None:
        with self._lock:
            row = self._db.execute(
                "SELECT u.email, u.role, u.staff FROM login_session s JOIN app_user u ON u.email = s.email "
                "WHERE s.digest = ? AND s.expires > ?", (_digest(str(secret)), _now().isoformat())).fetchone()
        return User(*row) if row else None

    def end_session(self, secret: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM login_session WHERE digest = ?", (_digest(str(secret)),))

    def end_sessions(self, email: str) -> int:
        """End every session of the user (e.g. when they leave); returns how many there were."""
        with self._lock:
            return self._db.execute("DELETE FROM login_session WHERE email = ?", (email.strip().lower(),)).rowcount

    # -- API tokens -------------------------------------------------------------------------------
    def create_token(self, email: str, days: float = DEFAULT_TOKEN_DAYS) -> str:
        """A new API token for the user, valid for `days` (only its SHA-256 digest is stored)."""
        if self.get(email) is None:
            raise UserError(f"unknown user {email!r}")
        if not 0 < days <= 3660:
            raise UserError("a token lives between a moment and ten years (--expires DAYS)")
        token = secrets.token_urlsafe(32)
        now = _now()
        with self._lock:
            self._db.execute("INSERT INTO api_token (digest, email, created, expires) VALUES (?, ?, ?, ?)",
                             (_digest(token), email.strip().lower(), now.isoformat(), (now + timedelta(days=days)).isoformat()))
        return token

    def user_for_token(self, token: str) -> User | None:
        with self._lock:
            row = self._db.execute(
                "SELECT u.email, u.role, u.staff FROM api_token t JOIN app_user u ON u.email = t.email "
                "WHERE t.digest = ? AND t.expires > ?", (_digest(token), _now().isoformat())).fetchone()
        return User(*row) if row else None

    def tokens(self, email: str | None = None) -> list[TokenInfo]:
        """Every token (or one user's), oldest first, expired ones included until revoked."""
        with self._lock:
            rows = self._db.execute("SELECT digest, email, created, expires FROM api_token "
                                    "WHERE ? IS NULL OR email = ? ORDER BY created, digest",
                                    (email and email.strip().lower(),) * 2).fetchall()
        return [TokenInfo(d[:12], e, datetime.fromisoformat(c), datetime.fromisoformat(x)) for d, e, c, x in rows]

    def revoke_token(self, token_or_id: str) -> int:
        """Revoke a token given by its id from --list (or the token itself); returns how many were revoked."""
        key = token_or_id.strip()
        with self._lock:
            by_token = self._db.execute("DELETE FROM api_token WHERE digest = ?", (_digest(key),)).rowcount
            if by_token or not re.fullmatch(r"[0-9a-f]{12}", key):
                return by_token
            return self._db.execute("DELETE FROM api_token WHERE substr(digest, 1, 12) = ?", (key,)).rowcount


_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
