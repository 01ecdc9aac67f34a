#!/usr/bin/env bash
# Refreshes the vendored front-end libraries from the npm registry (pinned versions).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
HTMX=2.0.11
AXE=4.14.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" "axe-core@$AXE" >/dev/null)
for f in "$tmp"/*.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
v=spaser/static/vendor
mkdir -p "$v/bootstrap" "$v/htmx" tests/e2e/vendor
cp "$tmp/bootstrap-$BOOTSTRAP/package/dist/css/bootstrap.min.css"* "$v/bootstrap/"
cp "$tmp/bootstrap-$BOOTSTRAP/package/dist/js/bootstrap.bundle.min.js"* "$v/bootstrap/"
cp "$tmp/bootstrap-$BOOTSTRAP/package/LICENSE" "$v/bootstrap/"
cp "$tmp/htmx.org-$HTMX/package/dist/htmx.min.js" "$tmp/htmx.org-$HTMX/package/LICENSE" "$v/htmx/"
cp "$tmp/axe-core-$AXE/package/axe.min.js" "$tmp/axe-core-$AXE/package/LICENSE" tests/e2e/vendor/
echo "Bibliothèques mises à jour."
