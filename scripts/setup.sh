#!/usr/bin/env bash
# Installs everything the kit needs to build, test, document and demo itself, from the
# distribution's own packages (apt-get), on Debian 12 or Ubuntu 22.04/24.04.
#
# Idempotent: when every package is already installed (checked with dpkg-query) it does
# nothing, needs no network and no root, and returns in well under a second. Otherwise it
# runs `apt-get update` and installs the missing packages, which needs root.
#
# Usage: sudo bash scripts/setup.sh
set -euo pipefail

# What each group is for, so a learner knows why a package is on their VM.
packages=(
  # compiler and build system
  build-essential cmake pkg-config g++
  # libraries the runtime links: seccomp filters, capabilities, CLI parsing, JSON
  libseccomp-dev libcap-dev libcli11-dev nlohmann-json3-dev
  # libraries imagebuilder links: tar archives (layers, image tarballs), SHA-256
  libarchive-dev libssl-dev
  # the static archives of libarchive's own dependencies, so that `minirun` links
  # statically: each engine command is a new process, and loading 18 shared libraries
  # took 8 ms of every `minirun ps` (docs/design/performance.md)
  libzstd-dev liblz4-dev libacl1-dev libxml2-dev libicu-dev libbz2-dev liblzma-dev nettle-dev zlib1g-dev
  # networks: netlink (bridge, veth, addresses, routes; static archives for the static
  # engine) and nftables (published ports, masquerade, isolation; used by minirun-net)
  libnl-3-dev libnl-route-3-dev libnftables-dev nftables
  # miniswarm: the cluster store (SQLite), the API over mutual TLS (cpp-httplib, OpenSSL)
  libsqlite3-dev libcpp-httplib-dev
  # unit and integration tests
  libgtest-dev libgmock-dev
  # the test and demo root filesystem (one static busybox binary, no image download)
  busybox-static
  # the reference OCI runtime, to compare minirun-oci with in the labs
  runc
  # image tools the kit exchanges images with (tests check the round trip), and the
  # image builder its benchmark compares against
  skopeo umoci buildah
  # the annotated source (call graphs need graphviz's `dot`)
  doxygen graphviz
  # tools the labs and tests use to look at namespaces, processes and mounts
  iproute2 procps util-linux
  # benchmarks (hyperfine, /usr/bin/time, iperf3 for network throughput) and JSON
  # editing in the demo (jq)
  hyperfine time iperf3 jq
)

say() { printf 'setup: %s\n' "$*"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "this script needs a Debian-based system (Debian 12, Ubuntu 22.04 or 24.04) with apt-get" >&2
  exit 1
fi

# missing_packages NAME...: prints the ones not installed (one dpkg-query for all).
missing_packages() {
  # dpkg-query exits 1 when it has never heard of a package; that is "missing", not
  # an error, hence the `|| true`.
  local installed
  installed=$({ dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true; } |
              awk '$2 == "installed" {print $1}')
  local p
  for p in "$@"; do
    grep -qxF "$p" <<<"$installed" || echo "$p"
  done
}

mapfile -t missing < <(missing_packages "${packages[@]}")

if [ ${#missing[@]} -eq 0 ]; then
  say "all ${#packages[@]} packages already installed, nothing to do"
  exit 0
fi

say "missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  say "installing packages needs root. Run it as root, or with sudo:" >&2
  say "    sudo bash scripts/setup.sh" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "refreshing the package lists (apt-get update)"
apt-get update -q

# A package with no install candidate means the repository that carries it is not
# enabled (on Ubuntu: libcli11-dev and hyperfine are in `universe`).
unavailable=()
for p in "${missing[@]}"; do
  candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then unavailable+=("$p"); fi
done
if [ ${#unavailable[@]} -ne 0 ]; then
  say "no installable version of: ${unavailable[*]}" >&2
  if grep -qi '^ID=ubuntu' /etc/os-release 2>/dev/null; then
    say "on Ubuntu these come from the 'universe' repository; enable it with:" >&2
    say "    add-apt-repository universe && apt-get update" >&2
  fi
  exit 1
fi

say "installing ${#missing[@]} packages with apt-get"
apt-get install -y -q --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages "${missing[@]}")
if [ ${#still_missing[@]} -ne 0 ]; then
  say "apt-get finished but these are still not installed: ${still_missing[*]}" >&2
  exit 1
fi
say "done: all ${#packages[@]} packages installed"
