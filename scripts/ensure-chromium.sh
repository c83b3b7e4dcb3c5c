#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Installs it with apt-get when missing; fails loudly otherwise.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
    echo "ensure-chromium.sh: chromium is missing; install it (sudo apt-get install chromium) and re-run" >&2
    exit 1
fi
echo "ensure-chromium.sh: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null || { echo "ensure-chromium.sh: chromium still missing after apt-get" >&2; exit 1; }
