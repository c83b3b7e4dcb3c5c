#!/usr/bin/env bash
# Refreshes the vendored JavaScript from npm (pinned in scripts/vendor/package.json) into
# web/static/vendor/ with its licence. The copies are committed: running the UI or the tests
# needs neither Node nor the network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../web/static/vendor"
cd "$here/vendor"
npm install --no-audit --no-fund --silent
mkdir -p "$out/cytoscape"
cp node_modules/cytoscape/dist/cytoscape.min.js "$out/cytoscape/"
cp node_modules/cytoscape/LICENSE "$out/cytoscape/LICENSE"
echo "cytoscape $(node -p "require('./node_modules/cytoscape/package.json').version")" > "$out/VERSIONS"
