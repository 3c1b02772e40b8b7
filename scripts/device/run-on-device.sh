#!/usr/bin/env bash
# Runs on the GPU machine (no Node.js, no network): unpacks the bundle made by pack.sh, puts
# Debian's Vulkan loader in place for Dawn (ONNX Runtime's WebGPU provider), then runs
# dist/scripts/device/gpu-check.js, which probes the providers, times the qwen2.5-0.5b twin on
# each usable one and runs the default grid with --providers cpu,webgpu,cuda. Everything it writes
# goes to OUT_DIR, with nvidia-smi's view of the GPU before and after.
#
#   scripts/device/run-on-device.sh BUNDLE OUT_DIR [gpu-check options]
#   scripts/device/run-on-device.sh BUNDLE OUT_DIR --software     the dry run on a machine without a GPU:
#       webgpu on Chromium's SwiftShader (found by lib/engine/swiftshader.ts, which also supplies
#       Chromium's Vulkan loader), tiny instead of the 0.5B twin; installs nothing into /.
#
# With this workplace's device tool: run scripts/device/pack.sh here, then
#   run(command="bash scripts/device/run-on-device.sh .device/slmlab-gpu-check.tar.xz $OUT", carry=[".device"], timeout_s=540)
set -euo pipefail
bundle="${1:?usage: run-on-device.sh BUNDLE OUT_DIR}"
out="${2:?usage: run-on-device.sh BUNDLE OUT_DIR}"
shift 2
work="$(mktemp -d /tmp/slmlab-gpu.XXXXXX)"
mkdir -p "$out"
xz -dc "$bundle" | tar -C "$work" -xf -

software=0
for a in "$@"; do [ "$a" = "--software" ] && software=1; done
# the Vulkan loader: extract the .deb into / (it only adds libvulkan.so.1), unless one is there
# (not in the software dry run: it must leave the machine as it is, and Chromium brings its own loader)
if [ "$software" = 0 ] && ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  for f in "$work"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
# the NVIDIA Vulkan driver manifest, where the container runtime mounts it
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done

export PATH="$work/node:$PATH"
export SLMLAB_CACHE_DIR="$work/cache"
{ nvidia-smi || true; } > "$out/nvidia-smi-before.txt" 2>&1
{ echo "node $(node -v)"; ldconfig -p | grep -i vulkan || true; echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"; } > "$out/environment.txt" 2>&1
set +e
( cd "$work/slmlab" && node dist/scripts/device/gpu-check.js "$out" "$@" ) 2>&1 | tee "$out/gpu-check.log"
status=${PIPESTATUS[0]}
set -e
{ nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu --format=csv || true; } > "$out/nvidia-smi-after.txt" 2>&1
exit "$status"
