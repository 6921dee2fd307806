#!/usr/bin/env bash
# Installs what the kiosk needs to build, run and test, and only what is
# missing: Debian packages, the face models (npm package, sha256-checked) and
# the Go modules. Idempotent; fast when everything is present.
#
#   build/deps.sh          what `make run` needs
#   build/deps.sh --test   and what `make test` needs besides (PostgreSQL, systemd-analyze)
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_PKGS=(
  pkg-config gcc
  libopencv-dev opencv-data
  libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  xvfb xauth xdotool libgl1-mesa-dri socat imagemagick fonts-wqy-microhei curl
  opencv-doc python3-imageio
  espeak-ng sox alsa-utils libasound2-dev
  npm
)
TEST_PKGS=(postgresql systemd)

pkgs=("${RUN_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then pkgs+=("${TEST_PKGS[@]}"); fi

say() { printf 'deps: %s\n' "$*" >&2; }

# Debian packages: install the missing ones.
missing=()
for p in "${pkgs[@]}"; do
  if [[ "$p" == npm ]] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo)
  else
    say "missing Debian packages: ${missing[*]}"
    say "run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Face models: from the npm package, pinned by version and by sha256.
MODEL_PKG=faceplugin-face-recognition-js@0.0.1
declare -A SHA=(
  [fr_detect]=6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854
  [fr_landmark]=f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258
  [fr_feature]=87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581
  [fr_liveness]=afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d
  [fr_pose]=72d032ec941b7153bf8d3f2c03a4c165453cc7e63d479041ec7c6ef087e5839d
  [fr_eye]=1afcea006abc1ccac3c517022abde0aa092bed74ff3c9fe6878483ef9e6e38de
)
models_ok() {
  for m in "${!SHA[@]}"; do
    [[ -f models/$m.onnx ]] || return 1
    [[ $(sha256sum "models/$m.onnx" | cut -d' ' -f1) == "${SHA[$m]}" ]] || return 1
  done
  [[ -d models/npm/package/lib ]]
}
if ! models_ok; then
  say "fetching face models: npm pack $MODEL_PKG"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$MODEL_PKG" >/dev/null)
  rm -rf models/npm && mkdir -p models/npm
  tar xzf "$tmp"/*.tgz -C models/npm
  for m in "${!SHA[@]}"; do
    got=$(sha256sum "models/npm/package/model/$m.onnx" | cut -d' ' -f1)
    if [[ "$got" != "${SHA[$m]}" ]]; then
      say "FATAL: $m.onnx from $MODEL_PKG has sha256 $got, want ${SHA[$m]}: refusing it"
      rm -f "models/$m.onnx"
      exit 1
    fi
    cp "models/npm/package/model/$m.onnx" "models/$m.onnx"
  done
  # The model files live once, in models/; the package's JavaScript stays for reference.
  rm -rf models/npm/package/model models/npm/package/js
  say "face models verified: ${!SHA[*]}"
fi

# Go modules (quiet and quick when the module cache has them).
go mod download
