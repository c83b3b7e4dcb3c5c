"""graphcrm: big-account coverage and key-person risk as a graph (Neo4j or embedded)."""

from graphcrm.errors import GraphCRMError
from graphcrm.model import Records
from graphcrm.stores import open_store

__all__ = ["GraphCRMError", "Records", "open_store", "__version__"]
__version__ = "0.1.0"
