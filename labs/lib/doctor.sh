# labs/lib/doctor.sh: `lab doctor`, can this machine run the labs?
#
# One line per thing the labs need from the kernel and the system, each tried for real
# where that is cheap (a namespace is unshared, an overlay mounted, a veth made inside a
# throwaway network namespace), and for each missing piece what to do about it. Nothing
# is left behind: every test object lives in a temporary directory or namespace.
# Exit status: 0 when everything the labs need is there.
set -uo pipefail
# shellcheck source=labs/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ok=0
bad=0
report() {  # report ok|FAIL WHAT [FIX]
  if [ "$1" = ok ]; then
    ok=$((ok + 1))
    printf '  ok    %s\n' "$2"
  else
    bad=$((bad + 1))
    printf '  FAIL  %s\n' "$2"
    [ -n "${3:-}" ] && printf '        fix: %s\n' "$3"
  fi
}
try() { "$@" >/dev/null 2>&1; }

echo "lab doctor: can this machine run the labs?"

if [ "$(id -u)" -eq 0 ]; then report ok "running as root"
else report FAIL "running as root" "run it with sudo: the labs make namespaces, cgroups, mounts and interfaces"; fi

kernel=$(uname -r)
major=${kernel%%.*}
rest=${kernel#*.}
minor=${rest%%.*}
if [ "$major" -gt 5 ] || { [ "$major" -eq 5 ] && [ "${minor%%[^0-9]*}" -ge 10 ]; }; then
  report ok "kernel $kernel (5.10 or newer: clone3, pidfd, close_range)"
else
  report FAIL "kernel $kernel is older than 5.10" "use Debian 12 or Ubuntu 22.04/24.04 (docs/teachers.md)"
fi

for ns in mnt uts ipc pid net user cgroup; do
  flag=""
  case $ns in
    mnt) flag=--mount ;; uts) flag=--uts ;; ipc) flag=--ipc ;; pid) flag="--pid --fork" ;;
    net) flag=--net ;; user) flag=--user ;; cgroup) flag=--cgroup ;;
  esac
  # shellcheck disable=SC2086
  if try unshare $flag true; then report ok "$ns namespace (unshare $flag)"
  else report FAIL "$ns namespace: unshare $flag failed" "a kernel with CONFIG_${ns^^}_NS; in a container or a restricted VM, run the labs on a full VM"; fi
done

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  report ok "cgroup v2 (unified): $(tr '\n' ' ' </sys/fs/cgroup/cgroup.controllers)"
elif [ -d /sys/fs/cgroup/memory ]; then
  report ok "cgroup v1 (hybrid): $(ls /sys/fs/cgroup | tr '\n' ' ')"
else
  report FAIL "no cgroup hierarchy found at /sys/fs/cgroup" "mount cgroup2: mount -t cgroup2 none /sys/fs/cgroup"
fi
for c in memory pids cpu; do
  if [ -e "/sys/fs/cgroup/$c" ] || grep -qw "$c" /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    report ok "cgroup controller $c"
  else
    report FAIL "cgroup controller $c is missing" "boot with it enabled (e.g. cgroup_enable=memory on the kernel command line)"
  fi
done

if grep -qw overlay /proc/filesystems || try modprobe overlay; then
  tmp=$(mktemp -d)
  mkdir -p "$tmp/l" "$tmp/u" "$tmp/w" "$tmp/m"
  if try mount -t overlay overlay -o "lowerdir=$tmp/l,upperdir=$tmp/u,workdir=$tmp/w" "$tmp/m"; then
    umount "$tmp/m"
    report ok "overlayfs (mounted one)"
  else
    report FAIL "overlayfs is listed but a mount failed" "is /tmp on a filesystem overlayfs can use as upper (not overlay itself)?"
  fi
  rm -rf "$tmp"
else
  report FAIL "overlayfs is not available" "modprobe overlay"
fi

for kind in veth bridge vxlan; do
  case $kind in
    veth) args="type veth peer name lab-doc-p" ;;
    bridge) args="type bridge" ;;
    vxlan) args="type vxlan id 42 dstport 4789 local 127.0.0.1" ;;
  esac
  # Inside a throwaway network namespace: nothing appears on the host.
  # shellcheck disable=SC2086
  if try unshare --net sh -c "ip link add lab-doc $args"; then report ok "$kind interfaces (made one in a throwaway namespace)"
  else report FAIL "$kind interfaces cannot be made" "modprobe $kind (the labs' networks need it)"; fi
done

if try unshare --net nft list tables; then report ok "nftables (nft works)"
else report FAIL "nftables does not work" "apt-get install nftables; modprobe nf_tables"; fi

if grep -q '^Seccomp:' /proc/self/status; then report ok "seccomp filters (Seccomp in /proc/self/status)"
else report FAIL "seccomp is not in this kernel" "a kernel with CONFIG_SECCOMP_FILTER"; fi

for p in minirun minirun-oci imagebuilder minirun-net minirun-monitor minirun-init; do
  if [ -x "$LAB_BUILD/$p" ]; then report ok "built: $p"
  else report FAIL "not built: $p" "cmake -S $LAB_KIT -B $LAB_BUILD && cmake --build $LAB_BUILD --parallel"; fi
done
for tool in jq busybox ip nft; do
  if command -v "$tool" >/dev/null; then report ok "tool: $tool"
  else report FAIL "tool missing: $tool" "sudo bash $LAB_KIT/scripts/setup.sh (installs it)"; fi
done

echo
if [ "$bad" -eq 0 ]; then
  echo "All $ok checks pass: this machine can run every lab."
  exit 0
fi
echo "$bad of $((ok + bad)) checks fail; the fixes are above."
exit 1
