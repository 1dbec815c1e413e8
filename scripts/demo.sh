#!/usr/bin/env bash
# The kit's demo (the one in README.md): builds minirun-oci, makes an OCI bundle from a
# busybox root filesystem, and runs a container that looks at itself, with --explain so
# the runtime prints each setup step as it does it. Then imagebuilder builds an image
# from a Dockerfile twice (the second time from its cache) and says why a step missed.
#
# Usage: sudo bash scripts/demo.sh [--keep]
#   --keep   leave the bundle in place afterwards (to poke at it, or run it with runc)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h | --help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

if [ -t 1 ]; then bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'; else bold='' dim='' off=''; fi
section() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
explain() { printf '%s%s%s\n' "$dim" "$*" "$off"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: the demo needs root: creating namespaces, cgroups and mounts is a" >&2
  echo "privileged operation (that is what a container runtime does). Run:" >&2
  echo "    sudo bash scripts/demo.sh" >&2
  exit 1
fi

section "1. Dependencies"
bash scripts/setup.sh

section "2. Building minirun-oci and imagebuilder"
build_log=build/demo-build.log
mkdir -p build
if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build build --target minirun-oci imagebuilder minirun minirun-net miniswarm --parallel "$(nproc)"; } >"$build_log" 2>&1; then
  tail -n 40 "$build_log"
  echo "demo.sh: the build failed (full log: $build_log)" >&2
  exit 1
fi
oci=$repo/build/minirun-oci
echo "built $oci and $repo/build/imagebuilder"

# The bundle lives under build/: a filesystem we just ran a freshly built program from,
# so it is not mounted noexec (as /tmp sometimes is).
bundle=$(mktemp -d "$repo/build/demo-bundle.XXXXXX")
id=demo-$$
cleanup() {
  "$oci" delete --force "$id" >/dev/null 2>&1 || true
  for c in demo-web demo-site demo-client; do
    "$repo/build/minirun" --data-root "$repo/build/demo-engine" --image-root "$repo/build/demo-images" \
      rm -f -v "$c" >/dev/null 2>&1 || true
  done
  # Networks (the default one is made on first use) and the demo's own firewall table.
  "$repo/build/minirun" --data-root "$repo/build/demo-engine" network prune >/dev/null 2>&1 || true
  "$repo/build/minirun-net" --table minirun_demo remove-table >/dev/null 2>&1 || true
  # The swarm's two nodes: stop their daemons, remove their task containers and state.
  for node in node2 manager; do
    [ -d "$repo/build/demo-swarm/$node" ] &&
      "$repo/build/miniswarm" --state-dir "$repo/build/demo-swarm/$node" leave --force >/dev/null 2>&1 || true
  done
  if [ "$keep" = 1 ]; then
    echo "bundle kept: $bundle"
  else
    # --one-file-system: never follow a mount that a failed run may have left behind.
    rm -rf --one-file-system "$bundle"
  fi
  rm -rf --one-file-system "${context:-/nonexistent}"
}
trap cleanup EXIT

section "3. Making an OCI bundle"
explain "A bundle is a directory with a root filesystem and a config.json (OCI runtime spec)."
sh scripts/make-busybox-rootfs.sh "$bundle/rootfs"
echo "rootfs:      $bundle/rootfs  (one static busybox binary + a symlink per command)"
(cd "$bundle" && "$oci" spec)
echo "config.json: written by \`minirun-oci spec\` (like \`runc spec\`), then edited with jq"

# What the container runs: a shell script that shows what it can see of the machine.
read -r -d '' script <<'SCRIPT' || true
echo "--- hostname: the UTS namespace gives the container a name of its own"
hostname
echo
echo "--- ps: the PID namespace; only the container's processes, and this shell is PID 1"
ps -o pid,user,comm
echo
echo "--- id: the user the process runs as (config.json: process.user)"
id
echo
echo "--- cgroup limits: what the container may use (config.json: linux.resources)"
show() { printf '%-45s %s\n' "$1" "$(cat "$1")"; }
if [ -f /sys/fs/cgroup/memory.max ]; then
  echo "(cgroup v2: one tree, the container's group is the root it sees)"
  show /sys/fs/cgroup/memory.max
  show /sys/fs/cgroup/pids.max
elif [ -d /sys/fs/cgroup/memory ]; then
  echo "(cgroup v1: one tree per controller)"
  for knob in memory/memory.limit_in_bytes pids/pids.max; do
    controller=${knob%%/*}
    own=$(awk -F: -v c="$controller" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
    if [ -n "$own" ] && [ "$own" != / ] && [ -f "/sys/fs/cgroup/$controller$own/${knob#*/}" ]; then
      show "/sys/fs/cgroup/$controller$own/${knob#*/}"
    else
      show "/sys/fs/cgroup/$knob"
    fi
  done
else
  echo "(no cgroup filesystem mounted at /sys/fs/cgroup in this container)"
fi
echo "expected: memory 67108864 (64 MiB), pids 64"
echo
echo "--- ls /: the root filesystem is the bundle's rootfs, not the host's"
ls -C /
SCRIPT

config=$bundle/config.json
jq --arg script "$script" '
  .process.terminal = false
  | .process.args = ["/bin/sh", "-c", $script]
  | .hostname = "minirun-demo"
  | .linux.resources.memory.limit = 67108864
  | .linux.resources.pids.limit = 64
  | if any(.mounts[]?; .destination == "/sys/fs/cgroup") then .
    else .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                      options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]
    end
' "$config" >"$config.new"
mv "$config.new" "$config"
explain "The parts of config.json this demo changed or relies on:"
jq '{process: {args: .process.args[0:2], user: .process.user}, hostname,
     namespaces: [.linux.namespaces[]?.type], resources: {memory: .linux.resources.memory,
     pids: .linux.resources.pids}}' "$config"

section "4. Running the container: minirun-oci --explain run --bundle ... $id"
explain "First the runtime's setup steps, in order (--explain), then the container's output."
set +e
"$oci" --explain run --bundle "$bundle" "$id"
status=$?
set -e

if [ $status -ne 0 ]; then
  echo "minirun-oci exited with status $status: the container's own exit status, or 1 when"
  echo "the runtime could not set it up (its message, above, names the step and the syscall)"
  exit $status
fi

# The image store of the demo is its own (build/demo-images), so the demo never touches
# the images of /var/lib/minirun/images.
ib() { "$repo/build/imagebuilder" --root "$repo/build/demo-images" "$@"; }
context=$(mktemp -d "$repo/build/demo-context.XXXXXX")
echo 'echo "hello from an image built by imagebuilder"' > "$context/hello.sh"
cat > "$context/Dockerfile" <<'DOCKERFILE'
FROM busybox
ARG GREETING=hi
WORKDIR /app
COPY hello.sh .
RUN echo "$GREETING from a RUN step: $(hostname), pid $$, $(ls /sys/class/net | tr '\n' ' ')" | tee greeting
CMD ["sh", "hello.sh"]
DOCKERFILE

section "5. Building an image: imagebuilder build -t demo:1"
explain "Each RUN is a container like the one above; each RUN or COPY adds a layer."
explain "FROM busybox is made locally from Debian's busybox-static: nothing is downloaded."
ib build -t demo:1 "$context"

section "6. The same build again: every step comes from the cache"
ib build -t demo:1 "$context"

section "7. A changed file and a changed --build-arg: --explain-cache says what missed"
echo 'echo "hello, changed"' > "$context/hello.sh"
ib build --explain-cache --build-arg GREETING=hey -t demo:2 "$context"

section "8. The images, and how demo:2 was made"
ib images
ib history demo:2
explain "The store is an OCI image layout: skopeo inspect oci:$repo/build/demo-images:demo:2"

mr() { "$repo/build/minirun" --data-root "$repo/build/demo-engine" --image-root "$repo/build/demo-images" "$@"; }
# The demo's published ports and network rules go to an nftables table of its own,
# removed at the end (the kit's real table is `minirun`).
export MINIRUN_NFT_TABLE=minirun_demo

section "9. Running the image: minirun run --rm demo:2"
explain "minirun is the kit's docker: image -> OCI bundle (Docker's defaults) -> the runtime above."
mr run --rm demo:2

section "10. A container in the background: run -d, ps, logs, inspect, stop, rm"
explain "Each detached container has a small monitor process (like containerd-shim) that keeps"
explain "its log, runs its healthcheck and records its exit; there is no daemon."
mr rm -f -v demo-web >/dev/null 2>&1 || true
mr run -d --name demo-web -m 32m --health-cmd 'true' --health-interval 1s --stop-timeout 1 busybox \
  sh -c 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done'
sleep 2.5
mr ps
mr logs --tail 2 demo-web
explain "What the flags and the defaults added up to (minirun inspect, trimmed with jq):"
mr inspect demo-web | jq '.[0] | {Status: .State.Status, Health: .State.Health.Status,
  Memory: .HostConfig.Memory, PidsLimit: .EffectiveSecurity.PidsLimit,
  Capabilities: (.EffectiveSecurity.Capabilities | length),
  SeccompAllows: .EffectiveSecurity.Seccomp.AllowedSyscalls, NoNewPrivileges: .EffectiveSecurity.NoNewPrivileges}'
mr stop demo-web >/dev/null
mr rm demo-web >/dev/null
mr ps -a

section "11. Networks: a name to call each other by, and a published port"
explain "A user-defined network is a Linux bridge, a subnet, and a DNS server (127.0.0.11)"
explain "in every container on it that answers the other containers' names."
mr network rm demo-net >/dev/null 2>&1 || true
mr network create demo-net >/dev/null
mr network ls
mr run -d --name demo-site --network demo-net -p 127.0.0.1::80 busybox \
  sh -c 'mkdir /www && echo "hello from demo-site" > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
mr run -d --name demo-client --network demo-net busybox sleep 1000 >/dev/null
sleep 0.5
explain "From demo-client, by name (the embedded DNS server answers):"
mr exec demo-client nslookup demo-site 127.0.0.11 | sed -n '4,5p'
mr exec demo-client wget -qO- http://demo-site/
port=$(mr inspect demo-site | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort')
explain "From the host, through the published port 127.0.0.1:$port (nftables DNAT):"
busybox wget -qO- "http://127.0.0.1:$port/"
mr ps
explain "The rules behind it: nft list map ip minirun_demo published_on"
nft list map ip minirun_demo published_on | sed -n '2,6p'
mr rm -f demo-site demo-client >/dev/null
mr network rm demo-net >/dev/null
mr network prune >/dev/null

section "12. A swarm: a manager and a second node, on this one VM"
explain "miniswarm init makes this node a manager (and a worker); a second state dir joins it"
explain "over 127.0.0.1 as a second node would over the network. --lab: 1 s heartbeats."
swarm_dir=$repo/build/demo-swarm
sw() { local node=$1; shift; "$repo/build/miniswarm" --state-dir "$swarm_dir/$node" "$@"; }
for node in node2 manager; do [ -d "$swarm_dir/$node" ] && sw "$node" leave --force >/dev/null 2>&1 || true; done
mkdir -p "$swarm_dir"
port=23770
while ss -ltn "sport = :$port" | grep -q LISTEN; do port=$((port + 1)); done
sw manager init --lab --listen-addr "127.0.0.1:$port" --image-root "$repo/build/demo-images" | sed -n '1p;5p'
sw node2 join --token "$(sw manager join-token -q worker)" --image-root "$repo/build/demo-images" "127.0.0.1:$port"
sleep 1.2
sw manager node ls
explain "A service of 4 replicas: the scheduler spreads them over the two nodes."
sw manager service create --name demo-web --replicas 4 --restart-delay 1s busybox sleep 1000
sw manager service ps demo-web
explain "One task's container killed behind the swarm's back: its agent reports it FAILED,"
explain "the orchestrator makes a new task for the slot after the restart delay."
victim=$("$repo/build/minirun" --data-root "$swarm_dir/manager/engine" ps -q | head -n 1)
"$repo/build/minirun" --data-root "$swarm_dir/manager/engine" kill "$victim" >/dev/null
sleep 2
sw manager service ps demo-web
explain "A task no node can take stays PENDING, and the scheduler says why:"
sw manager service create -d --name demo-big --reserve-memory 100000g busybox true >/dev/null
sleep 0.5
sw manager service ps --no-trunc demo-big
sw node2 leave >/dev/null
sw manager leave --force

section "Done"
explain "Next: docs/reading-order.md walks through the source of each step you saw above;"
explain "docs/design/runtime-setup-order.md explains why the steps come in that order;"
explain "docs/design/build-engine.md follows an image build through the code;"
explain "docs/design/engine.md follows a container through minirun and its monitor;"
explain "docs/design/networks.md follows a packet through bridges, veths and nftables;"
explain "docs/design/swarm.md shows how the swarm's manager, scheduler and agents divide the work."
