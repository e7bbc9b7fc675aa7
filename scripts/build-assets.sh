#!/usr/bin/env bash
# Installs the pinned front-end packages (package-lock.json) and copies their dist
# files into internal/web/static/vendor/, which is git-ignored: third-party builds
# are never committed. Safe to run on every build: it does nothing costly when
# package-lock.json has not changed since the last install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

lock="package-lock.json"
stamp="node_modules/.yingshang-lock.sha256"
vendor="internal/web/static/vendor"

# Files to copy: "source-in-node_modules destination-name".
files=(
  "htmx.org/dist/htmx.min.js htmx.min.js"
  "echarts/dist/echarts.min.js echarts.min.js"
)

hash_of() { sha256sum "$1" | cut -d' ' -f1; }

command -v npm >/dev/null 2>&1 || { echo "build-assets: npm not found (need node >= 18)" >&2; exit 1; }
[[ -f "$lock" ]] || { echo "build-assets: $lock missing" >&2; exit 1; }

want="$(hash_of "$lock")"
have=""
[[ -f "$stamp" ]] && have="$(cat "$stamp")"

stale=0
[[ -d node_modules && "$want" == "$have" ]] || stale=1
for pair in "${files[@]}"; do
  [[ -f "node_modules/${pair%% *}" ]] || stale=1
done

if (( stale )); then
  echo "build-assets: npm ci (package-lock.json changed or node_modules missing)"
  npm ci --no-audit --no-fund
  printf '%s\n' "$want" >"$stamp"
fi

mkdir -p "$vendor"
for pair in "${files[@]}"; do
  read -r src dst <<<"$pair"
  from="node_modules/$src"
  to="$vendor/$dst"
  [[ -f "$from" ]] || { echo "build-assets: $from missing after install" >&2; exit 1; }
  # cmp keeps the copy's mtime (and any embed/build cache) stable when unchanged.
  if ! cmp -s "$from" "$to"; then
    cp "$from" "$to"
    echo "build-assets: $to"
  fi
done
