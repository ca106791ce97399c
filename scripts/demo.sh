#!/usr/bin/env bash
# The main job: sets up a fresh machine, builds, and runs the whole pipeline locally on Azurite (synomaly demo):
# Azurite + the local trigger host (WebJobs SDK) + the GPU worker (CPU unless CUDA is present) on the sample scans.
# Heatmaps and reports land in out/demo/. Extra arguments go to `synomaly demo` (for example --keep).
set -euo pipefail
# The caller's folder: the build runs in the repository, the CLI back here, as it reads a --model, --samples or --out
# given on the command line from the current folder (its defaults name places in this repository, named below).
caller="$PWD"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/build-lock.sh
take_build_lock
bash scripts/bootstrap.sh 9>&-
dotnet build Synomaly.Cloud.sln -c Release --nologo -v quiet -clp:ErrorsOnly 9>&-
release_build_lock
# exec: the CLI takes this process's place, so a signal to the script (a CI timeout, a closed terminal) reaches the CLI,
# which then stops its trigger host, worker and Azurite; a child of bash would be orphaned with them still running.
# SYNOMALY_REPOSITORY: the CLI looks for the repository from the current folder first, and the caller's folder may lie in
# another checkout, whose samples and hosts it would then run; this is the checkout just built.
export SYNOMALY_REPOSITORY="$root"
cd "$caller"
exec dotnet "$root/src/Cli/bin/Release/net10.0/Synomaly.Cli.dll" demo "$@"
