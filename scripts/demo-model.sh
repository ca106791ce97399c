#!/usr/bin/env bash
# The demo model's recipe in one command: train within a time budget, tune on the tuning half, evaluate once on the
# reporting half (docs/EVALUATION.md). Runs here on the CPU after a build, or on the GPU machine with a published CLI
# (EVALUATION.md, "A GPU run"), where one device command must hold the whole run.
#
# Usage: scripts/demo-model.sh OUT_DIR
# Everything else comes from the environment (defaults in brackets):
#   SYNOMALY       the CLI, a command split at spaces  [dotnet src/Cli/bin/Release/net10.0/Synomaly.Cli.dll]
#   DATA           folder holding train/ and val/    [../shared/data/brain-mri-ixi-t1]
#   LESIONS        lesion map of real shapes         [../shared/data/lesion-masks/example_lesion.nii.gz]
#   DEVICE         cpu, cuda or auto                 [auto]
#   MINUTES        training budget of this sitting   [8]     STEPS  upper bound of the run [200000]
#   SIZE CHANNELS MULT RES_BLOCKS ATTENTION HEADS   [128 32 1,1,2,2,4 2 16,8 32]: about 6 M parameters, under the
#                  25 MB the repository allows for shipped weights
#   BATCH LR EMA MAX_T SEED                          [32 2e-4 0.995 400 20261204]
#   NOISE_DIRECTION                                  [1,-1]  (both directions: T1 lesions are mostly dark)
#   GRID           reference, compact or custom      [reference]; custom takes T, K and THETA (comma lists)
#   DRAWS          noise draws tried by tune         [1,4,8]
#   FUSION         adaptive fusions tried by tune    [soft] (the released script); soft,binary adds the paper's figure, notebook its notebook's k=3, θ=0.1 map, none the older script (no fusion)
#   NORMATIVE      normative weights α tried by tune [0,0.5] (0: one θ, the reference; the residual is measured on train/); 0 alone turns it off
#   MIN_COMPONENT  smallest kept component, pixels   [tune's default: 30 at 128 px scaled to SIZE, 30·(SIZE/128)²]
#   NAME VERSION INIT_FROM                           [brain-mri-demo demo-gpu (none)]
#   SAVE_TO        a folder that receives each finished phase as tar parts of 15 MiB: trained.tar.part-* (the exported
#                  model and loss curve) as soon as training ends, evaluated.tar.part-* (tuned model, tuning, evaluation)
#                  at the end. On the device machine this is $OUT, so a run cut off by its time limit still brings back
#                  the trained model (at most 8 files of 16 MiB come back).   [none]
# A second call with the same OUT_DIR resumes the training from its checkpoint (raise STEPS or MINUTES to go on), then
# tunes and evaluates the model again.
set -euo pipefail
if [[ $# -ne 1 ]]; then
  sed -n '2,30p' "$0" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
# An array, so that the default keeps a repository path with spaces in one word; SYNOMALY is a command line ("bash x.sh",
# a published binary) split at spaces as documented above.
cli=(dotnet "$root/src/Cli/bin/Release/net10.0/Synomaly.Cli.dll")
if [[ -n "${SYNOMALY:-}" ]]; then read -r -a cli <<<"$SYNOMALY"; fi
data="${DATA:-$root/../shared/data/brain-mri-ixi-t1}"
lesions="${LESIONS:-$root/../shared/data/lesion-masks/example_lesion.nii.gz}"
device="${DEVICE:-auto}"
# Without MIN_COMPONENT tune scales the reference's 30 to the model size and evaluate keeps the tuned profile's.
min_component=()
if [[ -n "${MIN_COMPONENT:-}" ]]; then min_component=(--min-component "$MIN_COMPONENT"); fi
for needed in "$data/train" "$data/val" "$lesions"; do
  [[ -e "$needed" ]] || { echo "demo-model: $needed not found (set DATA / LESIONS)" >&2; exit 2; }
done

# Each CLI step runs as a child the script waits on, so that a TERM or INT sent to the script (a kill, a device call at its
# time limit) stops the step too instead of leaving it running on its own. TERM for both: a background child of a
# non-interactive shell ignores INT.
step_pid=""
stop_step() {
  if [[ -n "$step_pid" ]]; then
    kill -TERM "$step_pid" 2>/dev/null || true
    wait "$step_pid" 2>/dev/null || true
  fi
  exit "$1"
}
trap 'stop_step 143' TERM
trap 'stop_step 130' INT
step() {
  "$@" &
  step_pid=$!
  local status=0
  wait "$step_pid" || status=$?
  step_pid=""
  return "$status"
}

init=()
if [[ -n "${INIT_FROM:-}" ]]; then init=(--init-from "$INIT_FROM"); fi
grid=(--grid "${GRID:-reference}")

# save NAME PATH...: the paths (relative to OUT_DIR) as SAVE_TO/NAME.tar.part-aa, -ab, ... (cat them | tar -x to unpack).
save() {
  [[ -n "${SAVE_TO:-}" ]] || return 0
  local name="$1"
  shift
  mkdir -p "$SAVE_TO"
  rm -f "$SAVE_TO/$name.tar.part-"*
  tar -C "$out" -c "$@" | split -b 15m - "$SAVE_TO/$name.tar.part-"
  echo "== saved $* to $SAVE_TO/$name.tar.part-*"
}
if [[ "${GRID:-reference}" == custom ]]; then grid+=(--t "${T:?custom grid needs T}" --k "${K:?custom grid needs K}" --theta "${THETA:?custom grid needs THETA}"); fi

echo "== train (budget ${MINUTES:-8} min on $device)"
step "${cli[@]}" train "$data/train" --out "$out/train" --device "$device" --max-minutes "${MINUTES:-8}" --steps "${STEPS:-200000}" \
  --size "${SIZE:-128}" --model-channels "${CHANNELS:-32}" --channel-mult "${MULT:-1,1,2,2,4}" --res-blocks "${RES_BLOCKS:-2}" \
  --attention "${ATTENTION:-16,8}" --head-channels "${HEADS:-32}" --batch "${BATCH:-32}" --lr "${LR:-2e-4}" --loss mse \
  --ema "${EMA:-0.995}" --max-timestep "${MAX_T:-400}" --seed "${SEED:-20261204}" --noise-direction "${NOISE_DIRECTION:-1,-1}" \
  --checkpoint-every 500 --name "${NAME:-brain-mri-demo}" --version "${VERSION:-demo-gpu}" "${init[@]}" \
  --data-description "IXI T1 mid-axial slices, train/ (466 subjects), MNI152NLin2009cSym 1 mm, via ci-ber/THOR_DDPM" \
  --data-licence "CC BY-SA 3.0 (IXI, brain-development.org); attribution required"

save trained train/model train/loss.png train/loss.csv

# Tune and evaluate a copy, so that the training folder's export stays as trained.
rm -rf "$out/model" && cp -r "$out/train/model" "$out/model"
echo "== tune (tuning half only)"
normative=()
if [[ "${NORMATIVE:-0,0.5}" != 0 ]]; then normative=(--normative-data "$data/train" --normative-alpha "${NORMATIVE:-0,0.5}"); fi
step "${cli[@]}" tune --model "$out/model" --data "$data/val" --lesion-map "$lesions" --lesions-per-slice 2 --device "$device" \
  "${min_component[@]}" --noise-draws "${DRAWS:-1,4,8}" --fusion "${FUSION:-soft}" "${grid[@]}" "${normative[@]}" \
  --out "$out/tuning"
echo "== evaluate (reporting half, once)"
step "${cli[@]}" evaluate --model "$out/model" --data "$data/val" --lesion-map "$lesions" --lesions-per-slice 2 --device "$device" \
  "${min_component[@]}" --record-in-card --out "$out/evaluation"
save evaluated model tuning evaluation
echo "== done: $out/model (card with the tuned profile and the reporting-half metrics), $out/tuning, $out/evaluation"
