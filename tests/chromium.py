"""How every browser test launches Chromium: the system's build, headless, fit for a small shared CI machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# --disable-dev-shm-usage: containers often give /dev/shm 64 MB; a renderer that runs out of it dies
# ("Target crashed", seen once in CI on the graph page), so Chromium keeps its shared memory in /tmp.
# --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
FLAGS = ["--disable-gpu", "--enable-unsafe-swiftshader", "--no-sandbox", "--disable-background-networking",
         "--disable-dev-shm-usage"]


def launch_args(base: dict) -> dict:
    """pytest-playwright's launch arguments with our Chromium and flags; fails loudly when Chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/ensure-chromium.sh", pytrace=False)
    return {**base, "executable_path": CHROMIUM, "args": FLAGS}
