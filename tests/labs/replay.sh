#!/usr/bin/env bash
# Replays one lab the way CI must: on a clean state its check fails, after its solution
# the check passes, and after its reset the check fails again and nothing the lab made
# is left (containers, networks, images of its prefix, mounts, interfaces, rules).
# A lab whose README and solution drift from what the kit's programs do fails here.
#
# Usage: tests/labs/replay.sh NN      (as root; exits 77, "skipped", otherwise)
#
# Everything happens in a scratch directory: the engine's and the image store's roots,
# the lab's files (LAB_HOME) and the nftables table are the replay's own, so the
# machine's /var/lib/minirun and the kit's `minirun` table are never touched.
set -uo pipefail
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
n=${1:?usage: replay.sh NN}
if [ "$(id -u)" -ne 0 ]; then
  echo "replay.sh: lab $n needs root; skipped"
  exit 77
fi
dir=$(ls -d "$kit"/labs/"$(printf '%02d' "$((10#$n))")"-* 2>/dev/null | head -n1)
if [ -z "$dir" ]; then
  echo "replay.sh: there is no lab $n" >&2
  exit 2
fi
scratch=$(mktemp -d /tmp/lab-replay-XXXXXX)
export LAB_HOME=$scratch/home MINIRUN_ROOT=$scratch/engine IMAGEBUILDER_ROOT=$scratch/images
export MINIRUN_NFT_TABLE=minirun_lab_replay_$$   # its own: replays may overlap
export LAB_BUILD=${LAB_BUILD:-$kit/build} LAB_KIT=$kit
lab=$kit/labs/lab
failed=0
fail() { echo "replay.sh: lab $n: $*" >&2; failed=1; }

cleanup() {
  bash "$lab" reset "$n" >/dev/null 2>&1 || true
  "$LAB_BUILD/minirun" rm -f $("$LAB_BUILD/minirun" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  "$LAB_BUILD/minirun" network prune >/dev/null 2>&1 || true
  "$LAB_BUILD/minirun-net" --table "$MINIRUN_NFT_TABLE" remove-table >/dev/null 2>&1 || true
  # Mounts a failed step may have left under the scratch directory, deepest first.
  grep -o " $scratch[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT

echo "== lab $n: start"
bash "$lab" start "$n" >/dev/null || fail "lab start failed"

echo "== lab $n: check on a clean state must fail"
if bash "$lab" check "$n"; then fail "check passes before anything was done: it checks nothing"; fi

echo "== lab $n: solution"
bash "$lab" solution "$n" || fail "the solution failed (its commands drifted from the kit?)"

echo "== lab $n: check after the solution must pass"
bash "$lab" check "$n" || fail "check fails after the solution"

echo "== lab $n: hints exist for every step the check names"
steps=$(bash "$dir/check" 2>/dev/null | grep -cE '^  (ok|FAIL) ')
hints=$(grep -c '^## Step ' "$dir/hints.md")
[ "$steps" = "$hints" ] || fail "the check has $steps steps but hints.md has $hints"

echo "== lab $n: reset, then check must fail again and nothing may be left"
bash "$lab" reset "$n" >/dev/null || fail "reset failed"
if bash "$lab" check "$n" >/dev/null; then fail "check still passes after reset: reset left the lab's work in place"; fi
left=$("$LAB_BUILD/minirun" ps -a --format json 2>/dev/null | jq -r '.Names' 2>/dev/null)
[ -z "$left" ] || fail "containers left after reset: $left"
nets=$("$LAB_BUILD/minirun" network ls -q 2>/dev/null)
# The default network may stay (it is the engine's, made on first use), nothing else.
for id in $nets; do
  name=$("$LAB_BUILD/minirun" network inspect "$id" | jq -r '.[0].Name')
  [ "$name" = bridge ] || fail "network left after reset: $name"
done
if grep -q " $scratch" /proc/self/mountinfo; then fail "mounts left under $scratch after reset"; fi

if [ $failed -eq 0 ]; then echo "== lab $n: replay passed"; fi
exit $failed
