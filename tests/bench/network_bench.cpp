/**
 * @file network_bench.cpp
 * @brief What do bridge networks cost? Container start with and without a network,
 *        TCP throughput across the bridge against loopback, and the embedded DNS server.
 *
 * Three figures from the networks issue:
 *
 *  1. Set-up cost. `minirun run --rm busybox true` with `--network none` (the baseline:
 *     a new network namespace holding only `lo`), `--network bridge` (the default
 *     network: a veth pair, an address, a default route), `--network <user network>`
 *     (the same, plus the embedded DNS server on 127.0.0.11 in the monitor) and the user
 *     network with `-p 127.0.0.1:<free port>:80` (publish and unpublish: two runs of the
 *     `minirun-net` program, which changes the nftables ruleset). The variants take turns,
 *     round after round (N rounds after one warm-up; the first variant of a round rotates),
 *     so whatever else the machine does falls on all alike. Medians, and their difference
 *     to the baseline. Target (the words): network set-up adds at most 5 ms to a
 *     container start. For scale, the same rounds time what a shell script would do,
 *     `ip link add mrbN type veth peer name mrbNp` then `ip link del mrbN`: two runs of
 *     iproute2's `ip` (the engine talks netlink in-process instead, veth_endpoint.hpp).
 *  2. Throughput. Two containers (`run -d ... busybox sleep 1000`) on the user network.
 *     The benchmark makes a listening TCP socket inside container A's network namespace
 *     and a connecting one inside B's, then moves `--bytes` (default 2 GiB) in 128 KiB
 *     writes from one thread to another of this process. A socket belongs for its whole
 *     life to the namespace it was *created* in (netns.hpp), so only the socket(2) call
 *     happens inside (in_network_namespace: setns(2) moves the calling thread alone, and
 *     back); the threads that send and receive stay on the host, and the bytes still
 *     cross B's eth0, the veth pair, the bridge and A's veth. The same transfer between
 *     two sockets on the host's 127.0.0.1 is the baseline: the same code, the same
 *     process, only the path differs. Both directions (A to B, B to A), 3 times each,
 *     alternating with the loopback runs; medians. Target: bridge >= 80% of loopback.
 *     Then the same comparison with Debian's iperf3, the tool the issue names: a server
 *     process in A's namespace, a client in B's (network_bench_iperf3.hpp).
 *  3. DNS. A UDP socket made inside container B's namespace asks 127.0.0.11:53 (the
 *     embedded server, run by B's monitor) for container A's name, a single label, which
 *     the server answers from the network's endpoint files and never forwards. Throughput:
 *     64 queries in flight for about 2 s (answers/s); latency: one query at a time, 20,000
 *     of them (p50, p99, max). Every answer is checked (id, NOERROR, A's address); wrong
 *     and lost answers are counted, not hidden. Targets: >= 20,000 queries/s, p99 < 1 ms.
 *     Queries are built with build_dns_query and read with parse_dns_response
 *     (dns_message.hpp), the code the server itself uses.
 *
 * Wall time is fork to exit of the whole command (steady_clock); every command's stdin is
 * /dev/null and its output goes to a file. Traffic goes only to 127.0.0.1 and to the
 * benchmark's own containers' addresses.
 *
 * This is a benchmark, not a test: it prints figures and asserts nothing; it stops, with
 * the failing command's stderr, if a command fails. Everything lives under one scratch
 * directory (`--data-root`, `--image-root`), and the firewall rules go to a table of the
 * benchmark's own, `minirun_bench` ($MINIRUN_NFT_TABLE, set for every command), so other
 * users of the engine on the machine (the kit's tests, a learner) are not touched. On
 * every way out, Ctrl-C included (SIGINT, SIGTERM, SIGHUP): `minirun rm -f` of its
 * containers, `minirun network prune` (the bridges), `minirun-net remove-table`, `ip link
 * del` of the `mrb*` veths it made, a detach of any mount left under the scratch
 * directory, and the directory's removal. Commands run in their own process group, so a
 * terminal's Ctrl-C reaches the benchmark alone, which lets the running command finish
 * first. minirun, minirun-monitor, minirun-init and minirun-net are copied into the
 * scratch directory and run from there (a rebuild meanwhile changes nothing).
 *
 * Usage: network_bench [--runs N] [--bytes N] [--minirun PATH]   (needs root, iproute2)
 * Lab: labs/08-networks.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/network/netns.hpp"
#include "minirun/sys/file.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/bench/network_bench_dns.hpp"
#include "tests/bench/network_bench_iperf3.hpp"

namespace {

using namespace minirun::bench;
using minirun::sys::Error;
using minirun::sys::Result;
using minirun::sys::UniqueFd;

constexpr const char* kNftTable = "minirun_bench";
constexpr const char* kNetwork = "netbench";           // the user network
constexpr size_t kChunk = 128 * 1024;                  // one write(2) of the transfer
constexpr int kTransfersPerDirection = 3;

/// Runs argv with its output to the files; its exit status, and its wall time in `ms`.
int run_command(const Argv& argv, const std::string& stdout_path, const std::string& stderr_path, double* ms) {
  const Sample sample = time_command(argv, stdout_path, stderr_path);
  if (ms) *ms = sample.ms;
  return sample.status;
}

/// The scratch directory, the commands that run there, and the cleanup of all of it.
class Bench {
 public:
  Bench(std::string dir, std::string ip) : dir_(std::move(dir)), ip_(std::move(ip)) {
    minirun_ = {bin() + "/minirun", "--data-root", dir_ + "/data", "--image-root", dir_ + "/images"};
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;
  ~Bench() { clean_up(); }

  const std::string& dir() const { return dir_; }
  std::string bin() const { return dir_ + "/bin"; }
  Argv minirun(const Argv& args) const { return with(minirun_, args); }
  Argv ip(const Argv& args) const { return with({ip_}, args); }

  /// Runs argv; on failure prints its stderr and returns false. The output is in out().
  bool run(const Argv& argv, double* ms = nullptr) {
    int status = run_command(argv, out_path(), err_path(), ms);
    if (status == 0) return true;
    auto err = minirun::sys::read_file(err_path());
    std::fprintf(stderr, "network_bench: `%s` exited %d; its stderr:\n%s\n", join(argv).c_str(), status,
                 err ? err->c_str() : "(unreadable)");
    return false;
  }
  /// Cleanup steps: the thing may already be gone, so the outcome is not looked at.
  void run_quietly(const Argv& argv) { run_command(argv, "/dev/null", "/dev/null", nullptr); }
  std::string out() const {
    auto text = minirun::sys::read_file(out_path());
    return text ? *text : "";
  }
  std::string out_line() const {
    std::string text = out();
    return text.substr(0, text.find('\n'));
  }

  /// An interface this run makes by itself (the `ip link` reference), deleted at the end
  /// if it is still there.
  void remember_interface(const std::string& name) { interfaces_.push_back(name); }

 private:
  std::string out_path() const { return dir_ + "/stdout"; }
  std::string err_path() const { return dir_ + "/stderr"; }

  /// In this order: containers first (a network with endpoints cannot be removed), then
  /// the networks (their bridges and their rules in our table), then the table itself.
  /// A container `rm -f` could not remove may still have a monitor using the data root
  /// and the table: then both stay, and the message says how to finish by hand.
  void clean_up() {
    Argv ids = entries("/data/containers");
    if (!ids.empty()) run_quietly(minirun(with({"rm", "-f"}, ids)));
    delete_own_interfaces();
    if (Argv left = entries("/data/containers"); !left.empty()) {
      std::fprintf(stderr, "network_bench: cleanup: `minirun rm -f` left %zu containers; keeping %s and the nftables "
                   "table %s. Remove them with `MINIRUN_NFT_TABLE=%s %s rm -f ID..` (ids: ls %s/data/containers), "
                   "then `network prune`, `minirun-net --table %s remove-table`, rm -rf %s\n", left.size(),
                   dir_.c_str(), kNftTable, kNftTable, join(minirun_).c_str(), dir_.c_str(), kNftTable, dir_.c_str());
      return;
    }
    if (!entries("/data/networks").empty()) run_quietly(minirun({"network", "prune"}));
    delete_left_bridges();
    run_quietly({bin() + "/minirun-net", "--table", kNftTable, "remove-table"});
    if (size_t n = mounts_under_dir().size())
      std::fprintf(stderr, "network_bench: cleanup: %zu mounts left under %s (detaching them)\n", n, dir_.c_str());
    detach_mounts();
    if (auto removed = minirun::sys::remove_tree(dir_); !removed)
      std::fprintf(stderr, "network_bench: cleanup: %s\n", removed.error().what().c_str());
  }

  void delete_own_interfaces() {
    for (const auto& name : interfaces_)
      if (::if_nametoindex(name.c_str()) != 0) run_quietly(ip({"link", "del", name}));
  }

  /// A network `prune` did not remove keeps its Linux bridge on the host after the scratch
  /// directory is gone; say so, and delete the bridge its network.json names.
  void delete_left_bridges() {
    for (const auto& entry : entries("/data/networks")) {
      if (entry[0] == '.') continue;
      auto text = minirun::sys::read_file(dir_ + "/data/networks/" + entry + "/network.json");
      nlohmann::json network = nlohmann::json::parse(text ? *text : "", nullptr, false);
      if (network.is_discarded()) continue;
      std::string bridge = network["Options"].value("com.docker.network.bridge.name", "");
      std::fprintf(stderr, "network_bench: cleanup: `network prune` left network %s (bridge %s); deleting the bridge\n",
                   network.value("Name", "?").c_str(), bridge.c_str());
      if (!bridge.empty() && ::if_nametoindex(bridge.c_str()) != 0) run_quietly(ip({"link", "del", bridge}));
    }
  }

  Argv entries(const std::string& under) const {
    Argv names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_ + under, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    return names;
  }

  std::vector<std::string> mounts_under_dir() const {
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::vector<std::string> targets;
    for (std::string line; std::getline(mountinfo, line);) {
      std::istringstream fields(line);
      std::string id, parent, devices, root, target;
      fields >> id >> parent >> devices >> root >> target;
      if (target.rfind(dir_ + "/", 0) == 0) targets.push_back(target);
    }
    return targets;
  }

  /// remove_tree refuses to cross a mount point: detach what is left, deepest first.
  void detach_mounts() const {
    auto targets = mounts_under_dir();
    std::sort(targets.rbegin(), targets.rend());
    for (const auto& t : targets) ::umount2(t.c_str(), MNT_DETACH);
  }

  std::string dir_;
  std::string ip_;
  Argv minirun_;
  Argv interfaces_;
};

/// A free TCP port on 127.0.0.1, as the kernel picks one for bind(port 0). It may be taken
/// again before `-p` uses it; then `run` fails with "address in use" and says so.
int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

/// Item 1: container start without a network, with the default one, with a user network,
/// with a published port; and `ip link add/del` of a veth pair for scale.
bool bench_setup_cost(Bench& bench, int runs) {
  struct Variant {
    const char* label;
    Argv network_args;  // empty for the -p variant: it needs a new port every run
    std::vector<double> ms;
  };
  std::vector<Variant> variants = {{"--network none (baseline)", {"--network", "none"}, {}},
                                   {"--network bridge (default)", {"--network", "bridge"}, {}},
                                   {"--network netbench (user, DNS)", {"--network", kNetwork}, {}},
                                   {"--network netbench -p 127.0.0.1:P:80", {}, {}}};
  const std::string veth = "mrb" + std::to_string(::getpid()), peer = veth + "p";
  bench.remember_interface(veth);
  bench.remember_interface(peer);
  std::vector<double> link_add_ms, link_del_ms;
  for (int round = -1; round < runs && !g_interrupted; ++round) {  // round -1: warm-up
    for (size_t turn = 0; turn < variants.size() && !g_interrupted; ++turn) {
      Variant& v = variants[(turn + static_cast<size_t>(round + 1)) % variants.size()];
      Argv network = v.network_args;
      if (network.empty()) {
        int port = free_loopback_port();
        if (port < 0) return std::perror("network_bench: a free port on 127.0.0.1"), false;
        network = {"--network", kNetwork, "-p", "127.0.0.1:" + std::to_string(port) + ":80"};
      }
      double ms = 0;
      if (!bench.run(bench.minirun(with(with({"run", "--rm"}, network), {"busybox", "true"})), &ms)) return false;
      if (round >= 0) v.ms.push_back(ms);
    }
    double add_ms = 0, del_ms = 0;
    if (!bench.run(bench.ip({"link", "add", veth, "type", "veth", "peer", "name", peer}), &add_ms)) return false;
    if (!bench.run(bench.ip({"link", "del", veth}), &del_ms)) return false;
    if (round < 0) continue;
    link_add_ms.push_back(add_ms);
    link_del_ms.push_back(del_ms);
  }
  if (g_interrupted) return false;
  std::printf("\n1. set-up cost: `minirun run --rm <network> busybox true`, wall time, median of %d per variant\n",
              runs);
  const double baseline = median(variants[0].ms);
  for (const auto& v : variants) {
    double m = median(v.ms);
    if (&v == &variants[0]) {
      std::printf("  %-40s median %7.2f ms\n", v.label, m);
    } else {
      std::printf("  %-40s median %7.2f ms   %+6.2f ms vs none (target <= +5 ms)\n", v.label, m, m - baseline);
    }
  }
  std::printf("  for scale, iproute2 alone: `ip link add %s type veth peer name %s` %.2f ms + `ip link del %s` "
              "%.2f ms = %.2f ms (medians)\n", veth.c_str(), peer.c_str(), median(link_add_ms), veth.c_str(),
              median(link_del_ms), median(link_add_ms) + median(link_del_ms));
  std::fflush(stdout);
  return true;
}

/// A running container: its init's pid and its address on the user network.
struct Peer {
  std::string name;
  pid_t pid = 0;
  std::string address;
  UniqueFd netns;
};

bool start_peer(Bench& bench, const std::string& name, Peer& peer) {
  peer.name = name;
  if (!bench.run(bench.minirun({"run", "-d", "--network", kNetwork, "--name", name, "busybox", "sleep", "1000"})))
    return false;
  if (!bench.run(bench.minirun({"inspect", name}))) return false;
  nlohmann::json all = nlohmann::json::parse(bench.out(), nullptr, false);
  if (!all.is_discarded() && all.is_array() && !all.empty()) {
    const auto& c = all[0];
    peer.pid = c.contains("State") ? c["State"].value("Pid", 0) : 0;
    if (c.contains("NetworkSettings") && c["NetworkSettings"].contains("Networks") &&
        c["NetworkSettings"]["Networks"].contains(kNetwork))
      peer.address = c["NetworkSettings"]["Networks"][kNetwork].value("IPAddress", "");
  }
  if (peer.pid <= 0 || peer.address.empty()) {
    std::fprintf(stderr, "network_bench: `minirun inspect %s` has no State.Pid or NetworkSettings.Networks.%s."
                 "IPAddress\n", name.c_str(), kNetwork);
    return false;
  }
  auto netns = minirun::network::open_network_namespace(peer.pid);
  if (!netns) {
    std::fprintf(stderr, "network_bench: %s\n", netns.error().what().c_str());
    return false;
  }
  peer.netns = std::move(*netns);
  return true;
}

/// A stuck transfer (a dropped route, a container killed meanwhile) ends with an error
/// after this long instead of hanging the benchmark.
void set_timeouts(int fd, int seconds) {
  timeval t{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
}

/// Moves `bytes` from a socket made in `sender_netns` to one listening on `address` in
/// `receiver_netns` (-1: the host), one thread each; returns Gbit/s.
Result<double> transfer(int receiver_netns, int sender_netns, const std::string& address, uint64_t bytes) {
  auto listener = socket_in(receiver_netns, SOCK_STREAM);
  if (!listener) return std::move(listener.error()).context("listening socket");
  sockaddr_in where = ipv4_address(address, 0);
  socklen_t length = sizeof where;
  if (::bind(listener->get(), reinterpret_cast<sockaddr*>(&where), sizeof where) < 0)
    return Error::from_errno("bind", address);
  if (::listen(listener->get(), 1) < 0 || ::getsockname(listener->get(), reinterpret_cast<sockaddr*>(&where), &length))
    return Error::from_errno("listen", address);
  set_timeouts(listener->get(), 10);
  auto sender = socket_in(sender_netns, SOCK_STREAM);
  if (!sender) return std::move(sender.error()).context("sending socket");
  set_timeouts(sender->get(), 10);
  if (::connect(sender->get(), reinterpret_cast<sockaddr*>(&where), sizeof where) < 0)
    return Error::from_errno("connect", address + ":" + std::to_string(ntohs(where.sin_port)));
  UniqueFd receiver(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (receiver.get() < 0) return Error::from_errno("accept", address);
  set_timeouts(receiver.get(), 10);

  int send_errno = 0, receive_errno = 0;
  uint64_t received = 0;
  auto start = Clock::now();
  {
    InterruptsBlockedForNewThreads blocked;
    std::thread receiving([&] {
      std::vector<char> buffer(kChunk);
      for (ssize_t n; (n = ::read(receiver.get(), buffer.data(), buffer.size())) != 0;) {
        if (n < 0) {
          receive_errno = errno;
          return;
        }
        received += static_cast<uint64_t>(n);
      }
    });
    std::thread sending([&] {
      std::vector<char> buffer(kChunk, 'x');
      for (uint64_t sent = 0; sent < bytes && !g_interrupted;) {
        ssize_t n = ::write(sender->get(), buffer.data(), std::min<uint64_t>(kChunk, bytes - sent));
        if (n < 0) {
          send_errno = errno;
          break;
        }
        sent += static_cast<uint64_t>(n);
      }
      ::shutdown(sender->get(), SHUT_WR);  // the receiver's read returns 0: the end
    });
    sending.join();
    receiving.join();
  }
  double seconds = ms_since(start) / 1000;
  if (send_errno) return Error("send", send_errno);
  if (receive_errno) return Error("receive", receive_errno);
  if (received != bytes && !g_interrupted)
    return Error("received " + std::to_string(received) + " of " + std::to_string(bytes) + " bytes");
  return static_cast<double>(bytes) * 8 / seconds / 1e9;
}

/// The MTU of interface `name` in namespace `netns_fd` (-1: the host's), or -1. The
/// packet size bounds what each trip through the stack carries: lo's is 64 KiB, a veth's
/// 1500 bytes, as in Docker (segmentation offloads soften the difference).
int mtu_of(int netns_fd, const std::string& name) {
  auto fd = socket_in(netns_fd, SOCK_DGRAM);
  if (!fd) return -1;
  ifreq request{};
  std::snprintf(request.ifr_name, sizeof request.ifr_name, "%s", name.c_str());
  return ::ioctl(fd->get(), SIOCGIFMTU, &request) == 0 ? request.ifr_mtu : -1;
}

/// Item 2: TCP over the bridge (A to B, B to A) against the host's loopback.
bool bench_throughput(const Peer& a, const Peer& b, uint64_t bytes) {
  struct Path {
    const char* label;
    int receiver_netns, sender_netns;
    std::string address;
    std::vector<double> gbits;
  };
  std::vector<Path> paths = {
      {"loopback 127.0.0.1 (host)", -1, -1, "127.0.0.1", {}},
      {"bridge, B -> A", a.netns.get(), b.netns.get(), a.address, {}},
      {"loopback 127.0.0.1 (host)", -1, -1, "127.0.0.1", {}},
      {"bridge, A -> B", b.netns.get(), a.netns.get(), b.address, {}},
  };
  for (int round = -1; round < kTransfersPerDirection && !g_interrupted; ++round) {  // round -1: warm-up
    for (auto& path : paths) {
      if (g_interrupted) break;
      auto rate = transfer(path.receiver_netns, path.sender_netns, path.address, round < 0 ? bytes / 8 : bytes);
      if (!rate) {
        std::fprintf(stderr, "network_bench: transfer over %s: %s\n", path.label, rate.error().what().c_str());
        return false;
      }
      if (round >= 0) path.gbits.push_back(*rate);
    }
  }
  if (g_interrupted) return false;
  std::vector<double> loopback = paths[0].gbits, bridge = paths[1].gbits;
  loopback.insert(loopback.end(), paths[2].gbits.begin(), paths[2].gbits.end());
  bridge.insert(bridge.end(), paths[3].gbits.begin(), paths[3].gbits.end());
  std::printf("\n2. TCP throughput: %.2f GiB in %zu KiB writes, one sending and one receiving thread of this process, "
              "median of %d per path\n", static_cast<double>(bytes) / (1 << 30), kChunk / 1024,
              kTransfersPerDirection);
  std::printf("  %-40s median %6.2f Gbit/s  (of %zu: it ran before each direction)\n",
              "loopback 127.0.0.1 (host)", median(loopback), loopback.size());
  std::printf("  %-40s median %6.2f Gbit/s\n", ("bridge, B -> A (" + a.address + ")").c_str(), median(paths[1].gbits));
  std::printf("  %-40s median %6.2f Gbit/s\n", ("bridge, A -> B (" + b.address + ")").c_str(), median(paths[3].gbits));
  std::printf("  bridge / loopback: %.0f%% (median of both directions, target >= 80%%)   [MTU: lo %d, eth0 of A %d]\n",
              100 * median(bridge) / median(loopback), mtu_of(-1, "lo"), mtu_of(a.netns.get(), "eth0"));
  std::fflush(stdout);
  return true;
}

/// Items 2 and 3 share two containers on the user network.
bool bench_between_containers(Bench& bench, uint64_t bytes) {
  Peer a, b;
  if (!start_peer(bench, "netbench-a", a) || !start_peer(bench, "netbench-b", b)) return false;
  if (!bench_throughput(a, b, bytes) || g_interrupted) return false;
  if (!bench_iperf3(a.pid, a.address, b.pid, bench.dir()) || g_interrupted) return false;
  if (!bench_dns({a.name, a.address, a.netns.get()}, {b.name, b.address, b.netns.get()})) return false;
  a.netns.reset();
  b.netns.reset();
  return bench.run(bench.minirun({"rm", "-f", a.name, b.name}));
}

/// The minirun of the build this benchmark belongs to (CMake passes its path), else the
/// one next to this executable.
std::string default_minirun() {
#ifdef MINIRUN_BINARY
  return MINIRUN_BINARY;
#else
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string() + "/minirun";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 15;
  uint64_t bytes = uint64_t{2} << 30;
  std::string minirun = default_minirun();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--bytes" && i + 1 < argc) {
      bytes = std::max<uint64_t>(kChunk, std::strtoull(argv[++i], nullptr, 10));
    } else if (arg == "--minirun" && i + 1 < argc) {
      minirun = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--bytes N] [--minirun PATH]\n", argv[0]);
      return 2;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "network_bench: needs root (containers, network namespaces, bridges, nftables)\n");
    return 2;
  }
  if (::access(minirun.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "network_bench: no minirun at %s: build it, or pass --minirun PATH\n", minirun.c_str());
    return 1;
  }
  const std::string ip = find_program({"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"});
  if (ip.empty()) {
    std::fprintf(stderr, "network_bench: iproute2's `ip` not found: apt-get install iproute2\n");
    return 1;
  }
  // Every minirun and minirun-net this process starts writes its rules to our own table.
  ::setenv("MINIRUN_NFT_TABLE", kNftTable, 1);
  char tmpl[] = "/tmp/network-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("network_bench: mkdtemp");
    return 1;
  }
  // The engine finds its helpers next to minirun: copies keep the run on one build, and
  // the cleanup working, even if the build directory is relinked meanwhile.
  const std::string source_dir = minirun.substr(0, minirun.rfind('/') + 1), bin = std::string(tmpl) + "/bin";
  std::error_code copy_error;
  std::filesystem::create_directory(bin, copy_error);
  for (const std::string name : {"minirun", "minirun-monitor", "minirun-init", "minirun-net"}) {
    if (copy_error) break;
    std::filesystem::copy_file(name == "minirun" ? minirun : source_dir + name, bin + "/" + name, copy_error);
  }
  if (copy_error) {
    std::fprintf(stderr, "network_bench: copying minirun, minirun-monitor, minirun-init, minirun-net from %s: %s\n",
                 source_dir.c_str(), copy_error.message().c_str());
    (void)minirun::sys::remove_tree(tmpl);
    return 1;
  }
  catch_interrupts();
  int exit_code = 1;
  {
    Bench bench(tmpl, ip);  // its destructor cleans up on every way out of this block
    std::printf("network_bench: %d runs (+1 warm-up) per start-up variant, %.2f GiB per transfer, nftables table %s, "
                "scratch %s, binaries copied from %s\n", runs, static_cast<double>(bytes) / (1 << 30), kNftTable,
                bench.dir().c_str(), source_dir.c_str());
    std::printf("  1: wall time of `run --rm busybox true` per --network, and its difference to --network none;\n"
                "  2: TCP Gbit/s container to container over the bridge vs the host's 127.0.0.1;\n"
                "  3: the embedded DNS server's answers/s (64 in flight) and round-trip latency (one at a time)\n");
    std::fflush(stdout);
    bool ok = bench.run(bench.minirun({"network", "create", kNetwork}));
    ok = ok && bench_setup_cost(bench, runs) && bench_between_containers(bench, bytes);
    if (g_interrupted) std::fprintf(stderr, "network_bench: interrupted; cleaning up\n");
    if (ok && !g_interrupted) exit_code = 0;
  }
  return exit_code;
}
