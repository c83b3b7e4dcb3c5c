"""The import command's procedure: a checked folder compared with a store and written into it a chunk at a time."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

from graphcrm.bulk import prefetched
from graphcrm.importer import CheckedFolder
from graphcrm.importplan import ImportPlan, plan_import
from graphcrm.model import Records
from graphcrm.stores.protocol import Store

__all__ = ["run_import"]


def run_import(store: Store | None, checked: CheckedFolder, write: bool = False,
               progress: Callable[[int], None] | None = None) -> ImportPlan:
    """Each batch of a checked import compared with what `store` holds (nothing, without a store) and, with
    `write`, its new and changed records written: a big folder never sits in memory whole, and the next batch
    is read while this one is written. What each kind brought is counted across batches."""
    plan = ImportPlan(Records(), Records())
    # Kinds the store holds none of: their batches need no reading back (a first import of 5M interactions read
    # back a hundred empty chunks). The import's own chunks never overlap: the check refused repeated identities.
    empty = {kind for kind, n in store.counts().items() if n == 0} if store is not None else set(Records().counts())
    # The garbage collector runs here (check_folder pauses it while it builds millions of records): the driver's
    # sessions and results hold reference cycles, and with it paused every chunk's leaked (3.2 GB at L).
    with store.bulk() if write and store is not None else nullcontext():
        for batch in prefetched(checked.batches()):
            held = {kind for kind, items in batch.kinds() if items}
            part = plan_import(batch, Records() if held <= empty or store is None else store.stored_versions(batch))
            if write and not part.nothing_changed:
                store.write(part.changes)
            plan.add(part)
            if progress is not None:
                progress(len(batch))
    return plan
