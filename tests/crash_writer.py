"""A writer for the crash tests: records interactions through the service and prints each id once it is acknowledged.

Run as `python tests/crash_writer.py STORE_URL PREFIX COUNT`; the parent kills it (or the database)
at a random moment and then checks that every printed id is stored with its audit entry.
"""

import sys
from datetime import datetime, timedelta, timezone

from graphcrm.config import Settings
from graphcrm.permissions import User
from graphcrm.service import Service
from graphcrm.stores import open_store

CLIENTS = ("K1", "K2", "K3", "K4")


def main() -> None:
    url, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(url)
    service = Service(store, Settings())
    manager = User("boss@x.org", "manager")
    start = datetime.now(timezone.utc) - timedelta(days=1)
    print("ready", flush=True)
    for n in range(count):
        change = service.log_interaction(manager, CLIENTS[n % len(CLIENTS)], "contact", start + timedelta(seconds=n),
                                         ["A1"], f"crash round {prefix} write {n}", id=f"{prefix}-{n}")
        # Printed only once the service returned, that is once the store committed the change.
        print(change.records.interactions[0].id, flush=True)


if __name__ == "__main__":
    main()
