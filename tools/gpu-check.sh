#!/usr/bin/env bash
# tools/gpu-check.sh OUT_DIR — one run of the GPU checks on a Linux machine with an NVIDIA GPU:
#   1. installs what is missing: npm dependencies (tools/ensure-deps.mjs) and, as root with apt,
#      the Vulkan loader; points Vulkan at the NVIDIA driver when the driver has no ICD file.
#      No Chromium: nothing here needs a browser.
#   2. prints the adapter Dawn picks (as every test and benchmark picks it) and FAILS if it is a
#      software adapter (SwiftShader, llvmpipe/lavapipe): a GPU check must never be a CPU run.
#   3. the golden tests (whole models against PyTorch) and the kernel tests on that adapter.
#   4. the full benchmark, `npm run bench -- --json`, then the per-kernel text report.
# Everything lands in OUT_DIR: summary.txt (one line per step, PASS/FAIL), adapter.json,
# nvidia-smi.txt, tests.log, bench.json, bench.log, bench-kernels.txt. Sized for about 8 minutes on an
# H200; every step has a time limit. Exit status: 0 when every step passed.
# GPU_CHECK_BENCH_ARGS: extra `npm run bench` arguments (e.g. --quick). GPU_CHECK_ALLOW_SOFTWARE=1:
# a dry run of the script's plumbing on a software adapter; it is marked as such and exits 3.
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: tools/gpu-check.sh OUT_DIR" >&2
  exit 64
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
: > "$OUT/summary.txt"
failed=0

log() { echo "[gpu-check] $*" | tee -a "$OUT/summary.txt"; }
die() {
  log "FAIL: $*"
  echo "==================== GPU CHECK FAILED: $* ====================" >&2
  exit 1
}
# step NAME SECONDS LOGFILE COMMAND...: runs it under a time limit, records PASS/FAIL, keeps going.
step() {
  local name=$1 seconds=$2 logfile=$3
  shift 3
  local started=$SECONDS
  timeout --kill-after=15 "$seconds" "$@" > "$logfile" 2>&1
  local rc=$?
  local took=$((SECONDS - started))
  if [[ $rc -eq 0 ]]; then
    log "PASS $name (${took} s, log $(basename "$logfile"))"
  else
    [[ $rc -eq 124 || $rc -eq 137 ]] && log "FAIL $name: timed out after ${seconds} s" || log "FAIL $name: exit status $rc (${took} s)"
    tail -n 40 "$logfile" | sed 's/^/    /' >&2
    failed=1
  fi
  return $rc
}

# --- 1. what is missing ---------------------------------------------------------------------
command -v node > /dev/null || die "node (>= 20) is not installed"
log "node $(node --version), $(uname -sr)"
if command -v nvidia-smi > /dev/null; then
  nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
  log "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1)"
else
  log "no nvidia-smi on PATH (continuing: the adapter check below decides)"
fi
node tools/ensure-deps.mjs || die "npm dependencies could not be installed (tools/ensure-deps.mjs)"

has_vulkan_loader() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || compgen -G '/usr/lib*/*/libvulkan.so.1' > /dev/null || compgen -G '/usr/lib*/libvulkan.so.1' > /dev/null; }
if ! has_vulkan_loader; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    log "installing the Vulkan loader (libvulkan1)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq > "$OUT/apt.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvulkan1 >> "$OUT/apt.log" 2>&1 ||
      die "apt-get install libvulkan1 failed (see apt.log)"
  else
    die "no Vulkan loader (libvulkan.so.1); install libvulkan1 as root"
  fi
fi
# Containers often get the NVIDIA driver's libraries without its Vulkan ICD file: write one.
if [[ -z "${VK_ICD_FILENAMES:-}" ]] && ! compgen -G '/usr/share/vulkan/icd.d/nvidia*.json' > /dev/null && ! compgen -G '/etc/vulkan/icd.d/nvidia*.json' > /dev/null; then
  if ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia\.so\.0'; then
    icd="$OUT/nvidia_icd.json"
    echo '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3.0"}}' > "$icd"
    export VK_ICD_FILENAMES=$icd
    log "no NVIDIA Vulkan ICD file: using $icd (libGLX_nvidia.so.0)"
  else
    log "no NVIDIA Vulkan ICD file and no libGLX_nvidia.so.0 (the container may lack the 'graphics' driver capability)"
  fi
fi

# --- 2. the adapter ----------------------------------------------------------------------------
timeout 120 npx --no-install tsx tools/bench/print-adapter.ts > "$OUT/adapter.json" 2> "$OUT/adapter.log"
adapter_rc=$?
[[ $adapter_rc -eq 0 && -s "$OUT/adapter.json" ]] || die "no WebGPU adapter (exit $adapter_rc): $(tail -n 5 "$OUT/adapter.log")"
adapter=$(node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(a.adapter + (a.software ? " (software)" : "") + "; features: " + a.features.join(", "))' "$OUT/adapter.json")
log "adapter: $adapter"
software=0
if node -e 'process.exit(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).software ? 0 : 1)' "$OUT/adapter.json" ||
  grep -qiE 'swiftshader|llvmpipe|lavapipe' "$OUT/adapter.json"; then
  software=1
  [[ "${GPU_CHECK_ALLOW_SOFTWARE:-}" == 1 ]] || die "Dawn picked a SOFTWARE adapter ($adapter): the GPU is not visible to Vulkan; nothing was measured"
  log "DRY RUN on a software adapter (GPU_CHECK_ALLOW_SOFTWARE=1): these are not GPU results"
fi

# --- 3. golden and kernel tests ----------------------------------------------------------------
step "golden + kernel tests" 240 "$OUT/tests.log" npx --no-install vitest run --project gpu \
  test/gpu/model-golden.test.ts test/gpu/model-golden-q4.test.ts test/gpu/model-golden-load-q4.test.ts \
  test/gpu/linear.test.ts test/gpu/q4-kernels.test.ts test/gpu/sampler.test.ts test/gpu/attention-kernels.test.ts
# The tests pick their adapter themselves: make sure none of them fell back to software.
if [[ $software -eq 0 ]] && grep -qiE 'adapter: .*(swiftshader|llvmpipe|lavapipe)' "$OUT/tests.log"; then
  log "FAIL tests ran on a software adapter"
  failed=1
fi
grep -E '^[0-9]+ passed' "$OUT/tests.log" | tail -n 1 | sed 's/^/[gpu-check] tests: /' | tee -a "$OUT/summary.txt"

# --- 4. benchmarks -----------------------------------------------------------------------------
# stdout is the one JSON object; the tables go to bench.log.
if step "bench --json" 300 "$OUT/bench.log" bash -c "npm run --silent bench -- --json ${GPU_CHECK_BENCH_ARGS:-} > '$OUT/bench.json'"; then
  node -e '
    const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const keys = ["decode_tok_s", "decode_tok_s_sampled", "decode_tok_s_ctx4k", "sampler_share", "gpu_idle_share", "gpu_idle_method", "cpu_ms_per_step", "stream8_over_stream1"];
    console.log(`[gpu-check] bench (${b.adapter}, shape ${b.shape?.name}): ` + keys.map((k) => `${k}=${typeof b[k] === "number" ? +b[k].toPrecision(4) : b[k]}`).join(" "));
  ' "$OUT/bench.json" | tee -a "$OUT/summary.txt"
fi
step "bench kernels (text)" 120 "$OUT/bench-kernels.txt" npm run --silent bench -- --skip-engine ${GPU_CHECK_BENCH_ARGS:-}

if [[ $failed -ne 0 ]]; then
  echo "==================== GPU CHECK FAILED: see $OUT/summary.txt ====================" >&2
  exit 1
fi
if [[ $software -eq 1 ]]; then
  log "dry run finished on a software adapter: NOT a GPU check"
  exit 3
fi
log "all steps passed"
