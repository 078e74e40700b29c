#!/usr/bin/env bash
# Installs every Debian 12 package neuropop needs (build, tests, reference checks, figures),
# skipping the apt round-trip when all are present already. Run as root.
set -euo pipefail
packages=(
  build-essential cmake git clang-format time
  clang libclang-rt-14-dev
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev libtbb-dev zlib1g-dev libboost-program-options-dev catch2 librandom123-dev
  python3 python3-numpy python3-scipy python3-sklearn python3-h5py python3-threadpoolctl python3-mne
  python3-matplotlib python3-xarray python3-h5netcdf
  python3-torch
  libopenblas0-pthread
  slurm-wlm munge libpmix-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "neuropop: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
