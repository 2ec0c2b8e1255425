#!/usr/bin/env bash
# `make fuzz`: run every Go fuzz target in the repository for FUZZTIME each (default 60s).
# Seed corpora come from ../shared/realdata inside the targets; new crashers land in testdata/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-60s}
export CHAINSLEUTH_REALDATA=${CHAINSLEUTH_REALDATA:-$(cd .. && pwd)/shared/realdata}
fail=0
while IFS=: read -r file _ decl; do
  name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$decl")
  pkg=./$(dirname "$file")
  echo "== $pkg $name ($FUZZTIME)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"; then
    echo "FAIL: $pkg $name" >&2
    fail=1
  fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | sed 's#^\./##')
exit $fail
