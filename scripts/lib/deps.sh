# SPDX-License-Identifier: BSL-1.0
# Sourced by scripts/demo and scripts/test: installs the Debian packages kvfs
# needs that are missing (apt-get update once, then install only those).
# Not root: prints the exact command to run and stops.

KVFS_PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev strace
  libboost1.81-dev libasio-dev catch2 libbenchmark-dev
  pkg-config libfuse3-dev fuse3
)

kvfs_missing_packages() {
  local pkg
  for pkg in "${KVFS_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      printf '%s\n' "$pkg"
    fi
  done
}

kvfs_install_dependencies() {
  local missing
  mapfile -t missing < <(kvfs_missing_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "kvfs needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
