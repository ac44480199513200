#!/usr/bin/env bash
# `wrangler deploy --dry-run` for the executor and each generated component worker, so a broken
# bundle can never land. Builds first (components → .component-builds, executor → dist).
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
npm run build --silent
wrangler="node $PWD/node_modules/wrangler/bin/wrangler.js"
out=$(mktemp -d)
(cd cypher-executor && $wrangler deploy --dry-run --outdir "$out/cypher-executor" >/dev/null)
echo "ok  arcrun-cypher-executor"
if [ -d .component-builds ]; then
  for dir in .component-builds/*/; do
    [ -f "$dir/wrangler.jsonc" ] || [ -f "$dir/wrangler.toml" ] || continue
    name=$(basename "$dir")
    (cd "$dir" && $wrangler deploy --dry-run --outdir "$out/$name" >/dev/null)
    echo "ok  component worker $name"
  done
fi
rm -rf "$out"
