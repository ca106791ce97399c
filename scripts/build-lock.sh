# Sourced by every script that builds this checkout (demo.sh, test.sh, gpu-pack.sh): two builds of one checkout at once
# write the same obj/ and bin/ files and break each other (stale dlls, CS0117 on members that are there). The first takes
# an exclusive lock on out/.build.lock (out/ is ignored); a second waits for it, and says so. Needs $root set.
#
# The lock is held on file descriptor 9 of the script. Run every child with 9>&- (the build, bootstrap): MSBuild and the
# compiler server outlive the build for minutes, and a child that inherited the descriptor would hold the lock with them.
take_build_lock() {
  if ! command -v flock >/dev/null; then
    echo "note: flock not found (util-linux): this build takes no lock, so another build of this checkout must not run beside it" >&2
    return 0
  fi
  # A lock file that cannot be opened (out/ read-only, or not a folder) builds unlocked, as without flock: before, demo.sh
  # (set -e) ended on bash's bare redirection error, and test.sh said it waited for another build (flock on no descriptor).
  # The braces keep the 2>/dev/null off the script's own stderr; the exec inside still opens 9 for the script.
  local reason
  if ! reason="$(mkdir -p "$root/out" 2>&1)" || ! { exec 9>"$root/out/.build.lock"; } 2>/dev/null; then
    echo "note: cannot open out/.build.lock (${reason:-not writable}): this build takes no lock, so another build of this checkout must not run beside it" >&2
    return 0
  fi
  if ! flock -n 9; then
    echo "waiting for another build of this checkout to finish (it holds out/.build.lock)" >&2
    flock 9
  fi
}

# After the build: what runs next (the demo's hosts, the tests) reads the build's output and must not keep others waiting.
release_build_lock() {
  exec 9>&-
}
