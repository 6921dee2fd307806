#!/usr/bin/env bash
# Runs every fuzz target of the module for the given time each (default 30s).
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
# Minimising each new interesting input may otherwise take up to 60 s of a
# run (go test's default), with no executions counted meanwhile: for
# targets whose executions cost milliseconds (central's, over SQLite) that
# is most of a 30 s run.
m=${FUZZMINIMIZE:-2s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //'); do
    echo "== $pkg $f"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime "$m" "$pkg"
  done
done
