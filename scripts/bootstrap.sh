#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine needs beyond the .NET SDK and Node: patchelf, g++ and python3 (TorchSharp's libstdc++
# compatibility step), gdcm's and dcmtk's command-line tools (the JPEG, JPEG-LS and JPEG 2000 DICOM transcoder, which the
# tests exercise and the worker image carries with DICOM_TOOLS=true) and the pinned Azurite (npm ci). Idempotent and quick
# when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

missing=()
command -v patchelf >/dev/null || missing+=(patchelf)
command -v g++ >/dev/null || missing+=(g++)
command -v python3 >/dev/null || missing+=(python3)
command -v gdcmconv >/dev/null || missing+=(libgdcm-tools)
command -v dcmdjpeg >/dev/null || missing+=(dcmtk)
if ((${#missing[@]})); then
  sudo_cmd=""
  if [[ "$(id -u)" != 0 ]]; then
    # A minimal Debian has no sudo: say what to run as root instead of failing with 'sudo: command not found'.
    if ! command -v sudo >/dev/null; then
      echo "bootstrap: ${missing[*]} missing and sudo is not installed; as root run:" >&2
      echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    sudo_cmd="sudo"
  fi
  echo "bootstrap: installing ${missing[*]} with apt-get" >&2
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >&2
fi

for tool in dotnet node npm; do
  command -v "$tool" >/dev/null || { echo "bootstrap: '$tool' is required (the .NET 10 SDK and Node 20)" >&2; exit 1; }
done
# Debian 12's own nodejs is 18, which the pinned Azurite cannot run; npm ci would only warn (hidden by --loglevel=error).
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  echo "bootstrap: Node $(node --version) is too old: the pinned Azurite needs Node 20 or newer (NodeSource or nvm)" >&2
  exit 1
fi

if [[ ! -f "$root/node_modules/azurite/dist/src/azurite.js" ]]; then
  echo "bootstrap: npm ci (pinned Azurite)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
