#!/usr/bin/env bash
# Makes TorchSharp's native library load on systems whose libstdc++ predates GCC 13 (Debian 12).
# Usage: apply.sh DIR...  (every libLibTorchSharp.so under each DIR is patched)
# Automatic (run after build and publish by Directory.Build.targets), idempotent, and a no-op where no DIR holds the
# library or where the system libstdc++ already provides GLIBCXX_3.4.32 (Ubuntu 24.04, the GPU machine, the CUDA container image).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shim_name=libsynomaly_iosinit.so

# Nothing to patch (a project without TorchSharp, such as the Functions app, or a publish that placed no native
# library): done, without asking for the patching tools below.
libs=()
for dir in "$@"; do
  [[ -d "$dir" ]] || continue
  while IFS= read -r -d '' lib; do libs+=("$lib"); done < <(find "$dir" -name libLibTorchSharp.so -print0)
done
if [[ ${#libs[@]} == 0 ]]; then
  exit 0
fi

libstdcxx="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
if [[ -n "$libstdcxx" ]] && grep -q GLIBCXX_3.4.32 "$libstdcxx"; then
  exit 0
fi

for tool in patchelf g++ python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "torchsharp-compat: error: '$tool' is required to patch TorchSharp for this system's libstdc++ (apt-get install patchelf g++ python3)" >&2
    exit 1
  fi
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/synomaly-torchsharp-compat"
mkdir -p "$cache"
shim="$cache/$shim_name"
if [[ ! -f "$shim" || "$here/ios_base_init_shim.cpp" -nt "$shim" ]]; then
  g++ -shared -fPIC -O2 -o "$shim.tmp.$$" "$here/ios_base_init_shim.cpp"
  mv -f "$shim.tmp.$$" "$shim"
fi

for lib in "${libs[@]}"; do
  libdir="$(dirname "$lib")"
  cmp -s "$shim" "$libdir/$shim_name" || cp -f "$shim" "$libdir/$shim_name"
  # The build hard-links package files into bin (Directory.Build.props): patching in place would change the NuGet
  # cache's copy too, so a linked library is first replaced by a file of its own.
  if [[ "$(stat -c %h "$lib")" != 1 ]]; then
    cp -p "$lib" "$lib.unlinked.$$"
    mv -f "$lib.unlinked.$$" "$lib"
  fi
  python3 "$here/weaken_version.py" "$lib" GLIBCXX_3.4.32 >/dev/null
  if ! patchelf --print-needed "$lib" | grep -qx "$shim_name"; then
    patchelf --add-needed "$shim_name" "$lib"
  fi
done
