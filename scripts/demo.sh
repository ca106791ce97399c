#!/usr/bin/env bash
# The main job: sets up a fresh machine, builds, and runs the whole pipeline locally on Azurite (synomaly demo):
# Azurite + the local trigger host (WebJobs SDK) + the GPU worker (CPU unless CUDA is present) on the sample scans.
# Heatmaps and reports land in out/demo/. Extra arguments go to `synomaly demo` (for example --keep).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
dotnet build Synomaly.Cloud.sln -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet src/Cli/bin/Release/net10.0/Synomaly.Cli.dll demo "$@"
