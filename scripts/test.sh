#!/usr/bin/env bash
# Runs every test of the solution (unit, Azurite integration, end-to-end) after the fresh-machine set-up.
# Ends with the plain line "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh || exit 1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet build Synomaly.Cloud.sln -c Release -warnaserror 2>&1 | tee "$log" | grep -E ' error |warning [A-Z]+[0-9]+' ; then :; fi
if ! grep -q 'Build succeeded' "$log"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test --solution Synomaly.Cloud.sln -c Release --no-build --no-progress "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft Testing Platform prints a summary with "succeeded:" and "failed:" counts.
passed="$(grep -E '^\s*succeeded:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -E '^\s*failed:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
skipped="$(grep -E '^\s*skipped:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
if [[ "$status" != 0 && "$failed" == 0 ]]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
