#!/usr/bin/env bash
# Starts and stops a pinned Azurite (package.json) on 127.0.0.1 with a temporary data location, tracked by PID.
#   scripts/azurite.sh start   -> prints the connection string on stdout; if this state dir's Azurite already runs, it is left
#                                 as it is and stderr says "azurite: already running (pid N)": whoever started it stops it
#   scripts/azurite.sh stop    -> stops it by PID and deletes its temporary data
#   scripts/azurite.sh restart -> stops it by PID and starts it again on the same ports and the same data (a storage outage)
#   A start after this state dir's Azurite crashed or was killed goes on with its data (and says so on stderr), on the ports
#   given now: only restart keeps the earlier ports, which the clients of the running Azurite hold.
#   scripts/azurite.sh status  -> exit 0 when running
# Environment: AZURITE_DIR (state folder, default .azurite in the repository), AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT /
# AZURITE_TABLE_PORT (defaults 10000-10002).
# Exit status of start/restart: 0 running, 3 a port is held by another process (the caller may retry on other ports), 1 other.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${AZURITE_DIR:-$root/.azurite}"
blob_port="${AZURITE_BLOB_PORT:-10000}"
queue_port="${AZURITE_QUEUE_PORT:-10001}"
table_port="${AZURITE_TABLE_PORT:-10002}"
pidfile="$state/azurite.pid"
keep_ports=0
account_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# The PID file sits in the repository and outlives its process (a reboot, a killed Azurite), and PIDs are reused: a live PID
# is ours only when that process was started on this state's data location (one of its arguments, from mktemp). Otherwise
# start would take a stranger for Azurite and hand out ports nothing listens on, and stop would kill the stranger.
is_running() {
  [[ -f "$pidfile" && -f "$state/location" ]] || return 1
  local pid; pid="$(cat "$pidfile")"
  # grep answers 2 when the process ends between kill -0 and the read of its cmdline: not running either, so any failure
  # is 1 (status passes this code on, and a caller takes anything but 0 and 1 for a question it could not ask).
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
    && grep -qzxF -- "$(cat "$state/location")" "/proc/$pid/cmdline" 2>/dev/null || return 1
}

# A process that has exited (a zombie not yet reaped counts as exited) is gone; one still starting exists.
process_exists() {
  local state; state="$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)"
  [[ -n "$state" && "$state" != Z ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

connection_string() {
  local ports; ports="$(cat "$state/ports")"
  read -r b q t <<<"$ports"
  printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/devstoreaccount1;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1;TableEndpoint=http://127.0.0.1:%s/devstoreaccount1;\n' \
    "$account_key" "$b" "$q" "$t"
}

ensure_installed() {
  if [[ ! -f "$root/node_modules/azurite/dist/src/azurite.js" ]]; then
    echo "azurite: installing the pinned Azurite with npm ci ..." >&2
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

start() {
  mkdir -p "$state"
  if is_running; then
    echo "azurite: already running (pid $(cat "$pidfile")) on ports $(cat "$state/ports"); left as it is" >&2
    connection_string; return
  fi
  ensure_installed
  local data
  fresh_data=0
  if [[ -f "$state/location" && -d "$(cat "$state/location")" ]]; then
    # Left by `restart`, or by an Azurite that crashed or was killed: the same data location, so that blobs, queues and
    # tables survive the outage.
    data="$(cat "$state/location")"
    if [[ "$keep_ports" != 1 ]]; then
      echo "azurite: the earlier Azurite of $state is not running (it crashed or was killed); starting again on its data" >&2
    fi
  else
    fresh_data=1
    data="$(mktemp -d "${TMPDIR:-/tmp}/azurite-data.XXXXXX")"
    echo "$data" >"$state/location"
  fi
  # A restart comes back on the running Azurite's ports: its clients hold that connection string (and a caller whose ports
  # were taken started on others than its variables name). Any other start listens on the ports it is given now: those of
  # a crashed Azurite may be taken by now, which is why a caller draws new ones, and a start that went back to them ignored
  # its variables and failed on the same taken port at every draw.
  if [[ "$keep_ports" == 1 && -f "$state/ports" ]]; then
    read -r blob_port queue_port table_port <"$state/ports"
  else
    echo "$blob_port $queue_port $table_port" >"$state/ports"
  fi
  # A new Azurite (fresh data) starts a fresh log, the previous one kept as azurite.previous.log: a log that grew across
  # every Azurite this folder ever ran buried a failure under the old ones' lines. A restart, or a start after a crash,
  # goes on in the same log, so that what came before the outage stays with it; each start opens with a line saying so.
  if [[ "$fresh_data" == 1 && -f "$state/azurite.log" ]]; then mv -f "$state/azurite.log" "$state/azurite.previous.log"; fi
  local how=start; if [[ "$keep_ports" == 1 ]]; then how=restart; fi
  echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) azurite $how on ports $blob_port $queue_port $table_port ===" >>"$state/azurite.log"
  # Only what this start writes (from this offset on) says how it went.
  log_offset="$(stat -c %s "$state/azurite.log" 2>/dev/null || echo 0)"
  # A start the caller gives up on (SIGTERM, from AzuriteScript on cancellation) stops what it began, so that no Azurite is
  # left running that nobody knows to stop. Set before the launch: bash runs the trap between commands, so $! is then
  # either empty (nothing launched) or Azurite's PID, recorded again in case the signal came before the line that does.
  trap 'echo "azurite: start interrupted; stopping the Azurite it began" >&2; if [[ -n "${!:-}" ]]; then echo "$!" >"$pidfile"; fi; fail_start 143' TERM INT HUP
  # Started with node directly (not npx) so that the PID we record is Azurite's own.
  setsid node "$root/node_modules/azurite/dist/src/azurite.js" --location "$data" \
    --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
    --tableHost 127.0.0.1 --tablePort "$table_port" --skipApiVersionCheck --silent --disableTelemetry \
    >>"$state/azurite.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  # A deadline in seconds rather than a count of polls: at the start of CI every test assembly launches its own Azurite on
  # 2 cores, and node's start there took over 5 s on a machine a tenth as busy; a minute bounds a hang, not a start.
  local deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    # Ports that answer are not enough: another process (an Azurite of another test assembly that drew the same free
    # port) may hold them while ours exits with EADDRINUSE. Ready means our process is alive and says it listens.
    # Liveness is read before the log: a process found dead has written all it will, so an EADDRINUSE it died of is
    # in the log read after (read the other way round, it could die between the two reads and look like another failure).
    # "Gone" is the recorded process no longer existing, not "not yet Azurite": until the background launch has exec'd
    # setsid and node its command line is still this script's (no data location), and a loaded machine can look then.
    local alive=0 gone=0
    if is_running; then alive=1; elif ! process_exists "$(cat "$pidfile")"; then gone=1; fi
    if [[ "$alive" == 1 && "$(start_log | grep -c 'successfully listening at' || true)" == 3 ]] \
      && port_open "$blob_port" && port_open "$queue_port" && port_open "$table_port"; then
      trap - TERM INT HUP
      connection_string; return
    fi
    local taken; taken="$(start_log | grep -o 'EADDRINUSE: address already in use [0-9.:]*' | head -1 | sed 's/.* //' || true)"
    if [[ -n "$taken" ]]; then
      echo "azurite: port ${taken##*:} on 127.0.0.1 is already in use by another process; Azurite did not start" >&2
      fail_start 3
    fi
    if [[ "$gone" == 1 ]]; then echo "azurite: failed to start; log follows" >&2; start_log >&2; fail_start 1; fi
    sleep 0.1
  done
  echo "azurite: not listening after 60 s; see $state/azurite.log" >&2
  fail_start 1
}

start_log() { tail -c "+$((log_offset + 1))" "$state/azurite.log" 2>/dev/null; }

# Stops what this start began; the data is kept when it came from an earlier run (a restart), so that nothing is lost.
fail_start() {
  if [[ "$fresh_data" == 1 ]]; then stop; else kill_process; fi
  exit "$1"
}

kill_process() {
  if is_running; then
    local pid; pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    # Azurite keeps its blob/queue/table metadata in LokiJS databases saved on an interval and on shutdown: a SIGKILL
    # before that save loses writes it has already acknowledged (a job record, a deleted message), so a restart could
    # leave state no real storage account would. It stops in about 1.5 s here; allow 30 s on a loaded machine.
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop() {
  kill_process
  if [[ -f "$state/location" ]]; then rm -rf "$(cat "$state/location")"; rm -f "$state/location"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) kill_process; keep_ports=1; start ;;
  status) is_running ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
