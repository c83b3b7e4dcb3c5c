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
# fcose (fast force-directed layout) and the two libraries it needs, in script-tag order.
for package in layout-base cose-base cytoscape-fcose; do
    mkdir -p "$out/$package"
    cp "node_modules/$package/LICENSE" "$out/$package/LICENSE"
done
cp node_modules/layout-base/layout-base.js "$out/layout-base/"
cp node_modules/cose-base/cose-base.js "$out/cose-base/"
cp node_modules/cytoscape-fcose/cytoscape-fcose.js "$out/cytoscape-fcose/"
for package in cytoscape layout-base cose-base cytoscape-fcose; do
    echo "$package $(node -p "require('./node_modules/$package/package.json').version")"
done > "$out/VERSIONS"
