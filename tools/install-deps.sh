#!/usr/bin/env bash
# Installs the Debian 12 packages Resonant builds and tests with. Uses sudo when not root.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  libeigen3-dev libkissfft-dev libboost-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  portaudio19-dev libasound2-dev libsndfile1-dev
  libsdbus-c++-dev libsystemd-dev libsqlite3-dev zlib1g-dev libedf-dev libflac-dev
  liblo-dev liblo-tools libjs-dygraphs chromium
  dbus-daemon python3-dbusmock tmux
  python3-dev python3-pybind11 pybind11-dev python3-numpy python3-pandas python3-pytest
  python3-dask python3-distributed help2man dpkg-dev
  python3-pil fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
