"""Crash rounds at length: 200 SIGKILLs of a writer on each store (every tenth on Neo4j also kills the server).

Runs tests/test_crash.py with GRAPHCRM_CRASH_ROUNDS (default 200) and prints what it found: rounds,
changes acknowledged before the kills, acknowledged changes lost (must be 0), server kills, time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    rounds = os.environ.get("GRAPHCRM_CRASH_ROUNDS", "200")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "crash.jsonl"
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_crash.py")],
                                env={**os.environ, "GRAPHCRM_CRASH_ROUNDS": rounds, "GRAPHCRM_CRASH_REPORT": str(report)},
                                cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        figures = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print(f"crash rounds ({rounds} per store), {elapsed:.0f} s in all")
    for f in figures:
        print(f"  {f['store']:<9} rounds {f['rounds']:>4}  acknowledged {f['acknowledged']:>6}  lost {f['lost']}  "
              f"server kills {f['server_kills']}")
    if result.returncode != 0:
        print(result.stdout[-3000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
