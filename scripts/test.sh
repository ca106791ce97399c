#!/usr/bin/env bash
# Runs every test of the solution (unit, Azurite integration, end-to-end) after the fresh-machine set-up.
# Ends with the plain line "N passed, N failed, N skipped" and exits non-zero if anything failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1

# The closing line CI reads from the tail of the output; printed on every way out, even when no test could run.
summary() { echo "$1 passed, $2 failed, $3 skipped"; }

# Set-up and build under the checkout's build lock (scripts/build-lock.sh): a demo.sh or another test.sh building at the
# same time would break this build, and this one theirs. The tests then run on what was built, without the lock.
source scripts/build-lock.sh
take_build_lock
if ! bash scripts/bootstrap.sh 9>&-; then
  echo "set-up failed (scripts/bootstrap.sh)"
  summary 0 1 0
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet build Synomaly.Cloud.sln -c Release -warnaserror 9>&- 2>&1 | tee "$log" | grep -E ' error |warning [A-Z]+[0-9]+' ; then :; fi
release_build_lock
if ! grep -q 'Build succeeded' "$log"; then
  echo "build failed"
  summary 0 1 0
  exit 1
fi

# libtorch prints "Could not initialize NNPACK! Reason: Unsupported hardware." for every CPU convolution thread on
# processors NNPACK does not take (it then uses its other kernels); thousands of such lines would bury the results, so the
# console shows their count instead. The full log keeps everything.
nnpack='Could not initialize NNPACK'
# A SIGTERM (a CI job timeout, kill <pid>) or SIGINT sent to this script alone would otherwise end it at once, leaving
# dotnet test and its test hosts running and the closing line unprinted. So the tests run as a background job in their
# own process group (set -m), which the trap hands the signal on to; the script then waits for them (bounded) and still
# reports what was counted. tee and grep ignore the signal: they end when the test run closes the pipe, so the log keeps
# what the run prints while it stops. stdin is /dev/null: a background job that touches the terminal would be stopped.
status_file="$(mktemp)"
trap 'rm -f "$log" "$status_file"' EXIT
interrupted=""
pgid=""
forward() {
  interrupted="$1"
  if [[ -n "$pgid" ]]; then kill -s "$1" -- "-$pgid" 2>/dev/null; fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT
set -m
{ dotnet test --solution Synomaly.Cloud.sln -c Release --no-build --no-progress "$@" </dev/null 2>&1; echo "$?" >"$status_file"; } \
  | (trap '' TERM INT; exec tee "$log") | (trap '' TERM INT; exec grep -v --line-buffered "$nnpack") &
pgid="$(jobs -p %%)"
set +m
# A signal that came before pgid was known was only recorded: hand it on now.
if [[ -n "$interrupted" ]]; then forward "$interrupted"; fi
# wait returns early when a trapped signal arrives; the loop then gives the run up to 60 s to stop before killing it.
wait "$!"
if [[ -n "$interrupted" ]]; then
  for ((tries = 600; tries > 0; tries--)); do
    kill -0 -- "-$pgid" 2>/dev/null || break
    sleep 0.1
  done
  kill -s KILL -- "-$pgid" 2>/dev/null
  wait "$!" 2>/dev/null
fi
# No status written: the run ended without its shell (killed), which is a failure.
status="$(cat "$status_file")"
status="${status:-1}"
# The conventional 128 + signal number, as if the script had been ended by the signal it was sent.
if [[ "$interrupted" == TERM ]]; then status=143; elif [[ "$interrupted" == INT ]]; then status=130; fi
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
if [[ -n "$interrupted" ]]; then echo "test run interrupted (SIG${interrupted}): the counts are those of the tests that ended before it"; fi
summary "$passed" "$failed" "$skipped"
exit "$status"
