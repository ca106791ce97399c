#!/usr/bin/env bash
# Runs every test of the solution (unit, Azurite integration, end-to-end) after the fresh-machine set-up.
# Ends with the plain line "N passed, N failed, N skipped" and exits non-zero if anything failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1

# The closing line CI reads from the tail of the output; printed on every way out, even when no test could run.
summary() { echo "$1 passed, $2 failed, $3 skipped"; }

if ! bash scripts/bootstrap.sh; then
  echo "set-up failed (scripts/bootstrap.sh)"
  summary 0 1 0
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet build Synomaly.Cloud.sln -c Release -warnaserror 2>&1 | tee "$log" | grep -E ' error |warning [A-Z]+[0-9]+' ; then :; fi
if ! grep -q 'Build succeeded' "$log"; then
  echo "build failed"
  summary 0 1 0
  exit 1
fi

# libtorch prints "Could not initialize NNPACK! Reason: Unsupported hardware." for every CPU convolution thread on
# processors NNPACK does not take (it then uses its other kernels); thousands of such lines would bury the results, so the
# console shows their count instead. The full log keeps everything.
nnpack='Could not initialize NNPACK'
dotnet test --solution Synomaly.Cloud.sln -c Release --no-build --no-progress "$@" 2>&1 | tee "$log" | grep -v --line-buffered "$nnpack"
status=${PIPESTATUS[0]}
notices="$(grep -c "$nnpack" "$log" || true)"
if [[ "$notices" != 0 ]]; then echo "(${notices} libtorch NNPACK notices not shown)"; fi

# CI keeps only the tail of this output: repeat each failed test's name and message just above the closing line.
failures="$(grep -v "$nnpack" "$log" | awk '
  /^failed [^ ]+ \(/ { show = 1; lines = 0; print ""; print; next }
  show && /^  / { if (++lines <= 90) print; next }
  { show = 0 }')"
if [[ -n "$failures" ]]; then
  echo
  echo "Failed tests (repeated from above):"
  echo "$failures"
fi

# Microsoft Testing Platform prints a summary with "succeeded:" and "failed:" counts.
passed="$(grep -E '^\s*succeeded:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -E '^\s*failed:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
skipped="$(grep -E '^\s*skipped:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
if [[ "$status" != 0 && "$failed" == 0 ]]; then failed=1; fi
summary "$passed" "$failed" "$skipped"
exit "$status"
