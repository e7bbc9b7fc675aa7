#!/usr/bin/env bash
# Runs every fuzz target for a while (default 10 minutes each) and commits what the fuzzer
# learned: the interesting inputs it found go into the target's testdata/fuzz corpus, where
# every `go test` replays them. Usage: scripts/fuzz.sh [duration] [target-regexp]
#   scripts/fuzz.sh 10m            # the gate: every target ten minutes
#   scripts/fuzz.sh 30s Calendar   # a quick look at the calendar's targets
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10m}
only=${2:-.}
cache=$(go env GOCACHE)/fuzz
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    if ! grep -qE "$only" <<<"$target $pkg"; then continue; fi
    echo "fuzz: $pkg $target for $dir"
    start=$(date +%s)
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" -parallel 1 2>&1 | tail -3
    echo "fuzz: $pkg $target took $(( $(date +%s) - start )) s"
    if [ -d "$cache/$pkg/$target" ]; then
      mkdir -p "$dir/testdata/fuzz/$target"
      # Keep the corpus small enough to replay quickly: the newest 200 inputs.
      ls -t "$cache/$pkg/$target" | head -200 | while read -r f; do cp "$cache/$pkg/$target/$f" "$dir/testdata/fuzz/$target/"; done
    fi
  done
done
