"""The `Store` protocol and `open_store(url)`, which picks the embedded or the Neo4j implementation."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from graphcrm.errors import ConfigError
from graphcrm.stores.protocol import AnalystQueries, AnalystResult, Planned, Scope, Snapshot, Store

__all__ = ["Store", "AnalystQueries", "AnalystResult", "Scope", "Snapshot", "Planned", "open_store", "store_kind",
           "store_exists"]


def store_kind(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return "embedded"
    if scheme in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
        return "neo4j"
    raise ConfigError(f"unknown store URL {url!r}: use sqlite:///path.db, bolt://host:7687 or neo4j://host:7687")


def _embedded_path(url: str) -> str:
    path = url[len("sqlite://"):]
    # sqlite:///rel.db -> "rel.db"; sqlite:////abs/x.db -> "/abs/x.db"; sqlite:///:memory:
    return path[1:] if path.startswith("/") else path


def store_exists(url: str) -> bool:
    """False when opening the store would create it (an embedded file not there yet); a server's store exists."""
    if store_kind(url) != "embedded":
        return True
    path = _embedded_path(url)
    return path == ":memory:" or Path(path).expanduser().exists()


def open_store(url: str, **options) -> Store:
    """Open the store a URL names. The caller owns it and must close it."""
    kind = store_kind(url)
    if kind == "embedded":
        from graphcrm.stores.embedded import EmbeddedStore

        path = _embedded_path(url)
        if not path:
            raise ConfigError(f"{url}: no database path (use sqlite:///graphcrm.db)")
        if path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise ConfigError(f"{url}: folder {parent} does not exist")
        return EmbeddedStore(url, path)
    from graphcrm.stores.neo4j_store import Neo4jStore

    return Neo4jStore(url, **options)
