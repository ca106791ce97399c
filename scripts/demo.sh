#!/usr/bin/env bash
# The main job: sets up a fresh machine, then runs the local pipeline on Azurite (see README).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
dotnet run --project src/Cli -c Release -- up "$@"
