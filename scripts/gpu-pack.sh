#!/usr/bin/env bash
# Packs what a device run needs into the ignored .gpu/ folder, which the device tool carries (`carry: [".gpu"]`, at most
# 64 MiB): the CLI published self-contained without the CPU libtorch (the GPU machine's PyTorch supplies CUDA libtorch;
# ../shared/design/GPU.md) as .gpu/app.tar.xz, and the shared data the run reads under .gpu/data/ (../shared does not
# travel). The recipes in docs/EVALUATION.md ("A GPU run") and docs/PERFORMANCE.md ("The GPU run") start from here.
#
# Usage: scripts/gpu-pack.sh [DATA...]   DATA: train, val, lesions (default: all three; the bench needs only val)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
shared="$root/../shared/data"
parts=("$@")
[[ ${#parts[@]} -eq 0 ]] && parts=(train val lesions)

publish="$(mktemp -d)"   # outside .gpu/: the unpacked build (about 97 MB) would not fit the carry limit
trap 'rm -rf "$publish"' EXIT
echo "== publishing the CLI (linux-x64, self-contained, no CPU libtorch)"
# Under the checkout's build lock: the publish builds src/Cli's projects into their obj/ folders, as demo.sh and test.sh do.
source scripts/build-lock.sh
take_build_lock
dotnet publish src/Cli -c Release -r linux-x64 --self-contained -p:SynomalyTorchBackend=none -o "$publish" --nologo -v quiet 9>&-
release_build_lock
rm -rf .gpu/app.tar.xz .gpu/data
mkdir -p .gpu/data
tar -C "$publish" -cJf .gpu/app.tar.xz .

for part in "${parts[@]}"; do
  case "$part" in
    train|val) cp -r "$shared/brain-mri-ixi-t1/$part" .gpu/data/ ;;
    lesions) cp "$shared/lesion-masks/example_lesion.nii.gz" .gpu/data/ ;;
    *) echo "unknown data part '$part' (train, val or lesions)" >&2; exit 2 ;;
  esac
done
chmod -R u+w .gpu/data   # the shared copies are read-only; a later run must be able to replace them

bytes=$(du -sb .gpu | cut -f1)
limit=$((64 * 1024 * 1024))
echo "== .gpu/ holds $((bytes / 1024 / 1024)) MiB (the carry limit is 64 MiB): app.tar.xz and data/{$(IFS=,; echo "${parts[*]}")}"
if (( bytes > limit )); then
  echo "too large to carry: leave out a data part or remove other files from .gpu/" >&2
  exit 1
fi
