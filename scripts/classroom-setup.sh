#!/usr/bin/env bash
# Turns a stock Debian 12 / Ubuntu 22.04 or 24.04 machine, with this kit checked out on
# it, into a ready lab machine. The cloud-init file and the Vagrantfile in classroom/
# run it; a teacher can run it by hand too. Idempotent: run it again after a `git pull`.
#
#   1. scripts/setup.sh       the packages (the same script the README's test command
#                             runs, so CI tests it on every commit)
#   2. build/                 the kit, RelWithDebInfo
#   3. /usr/local/bin         minirun, minirun-oci, imagebuilder, minirun-net and lab,
#                             as links into the kit, so learners type them anywhere
#   4. lab doctor             the preflight: every kernel feature the labs use
#
# After this the kit needs no network: images are bootstrapped from Debian's
# busybox-static, never pulled.
#
# Usage: sudo bash scripts/classroom-setup.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kit=$(pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "classroom-setup.sh: run it as root (sudo bash scripts/classroom-setup.sh)" >&2
  exit 2
fi

echo "== 1. packages (scripts/setup.sh)"
bash scripts/setup.sh

echo "== 2. building the kit in $kit/build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --parallel "$(nproc)" --target minirun minirun-oci imagebuilder minirun-net

echo "== 3. the commands on everyone's PATH (/usr/local/bin)"
for p in minirun minirun-oci imagebuilder minirun-net; do
  ln -sfn "$kit/build/$p" "/usr/local/bin/$p"
done
ln -sfn "$kit/labs/lab" /usr/local/bin/lab

echo "== 4. lab doctor"
bash labs/lab doctor
echo
echo "Ready. Learners start with: sudo -i; lab list; lab start 1 (labs/README.md)."
