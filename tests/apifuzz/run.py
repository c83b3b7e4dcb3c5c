"""Run schemathesis (every check, plus tests/apifuzz/hooks.py) against a live graphcrm API; return its JSON report.

Shared by tests/test_schemathesis.py (a bounded run under make test) and bench/bench_schemathesis.py (a long one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent


def serve(app):
    """The app on a free loopback port in a thread; returns (base URL, stop function)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def run_schemathesis(base: str, token: str, examples: int, report_dir: Path, seed: int = 1,
                     extra: list[str] | None = None) -> tuple[dict, str]:
    """One `schemathesis run` of every phase and every check; (its JSON report, its printed output)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    for old in report_dir.glob("*.json"):
        old.unlink()
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(HERE / "schemathesis.toml"),
               "run", f"{base}/api/openapi.json", "--checks", "all", "-H", f"Authorization: Bearer {token}",
               "-n", str(examples), "--seed", str(seed), "--no-color", "-w", "1", "--generation-database", "none",
               "--report", "json", "--report-dir", str(report_dir), *(extra or [])]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "hooks", "PYTHONPATH": str(HERE)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, cwd=report_dir)
    reports = sorted(report_dir.glob("*.json"))
    if not reports:
        raise RuntimeError(f"schemathesis wrote no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(reports[-1].read_text(encoding="utf-8")), done.stdout


def figures(report: dict) -> str:
    cases = report["test_cases"]
    failures = sum(f["count"] for f in report["failures"])
    return (f"{report['operations']['tested']} operations, {cases['generated']} cases, {failures} failures "
            f"({', '.join(f['code'] + ' ' + f['title'] for f in report['failures']) or 'none'}), "
            f"{len(report['errors'])} errors, {report['running_time']:.0f} s"
            + "".join(f"\n  error: {str(e)[:500]}" for e in report["errors"]))
