/**
 * @file engine_bench.cpp
 * @brief How fast is the engine? `minirun run --rm busybox true` against `runc run`,
 *        `minirun ps -a` over 100 containers, and the resident memory of one monitor.
 *
 * Three figures from the engine's issue, each the median of N runs after one warm-up:
 *
 *  1. Start-up. `minirun run --rm busybox true`: the image already in a scratch image
 *     store, an overlay rootfs, the default security (Docker's capabilities, seccomp
 *     profile, masked paths), no network (`--network none`: loopback only; the cost of
 *     a bridge network is tests/bench/network_bench.cpp's). The peer is `runc run` on a
 *     bundle unpacked once beforehand (the same busybox rootfs, the config of `runc spec` with args
 *     ["true"] and no terminal), which is what the engine's work is compared with: the
 *     engine also resolves the image, mounts the overlay, writes the bundle, spawns a
 *     monitor, waits for the exit and removes the container, and runc does none of
 *     that. The two alternate, run after run, so that whatever else the machine does
 *     falls on both alike. Target (the words): minirun at most 0.3x the median
 *     wall time of runc. A --rm container's files are deleted by its monitor just after
 *     `run` returns; the benchmark waits for that (untimed, reported) before runc runs. A breakdown follows, measured in the same rounds: `create`,
 *     `start -a` (attached: until the container exits) and `rm` timed separately.
 *  2. Listing. `minirun ps -a` with 100 created containers, then again with 100 running
 *     `sleep 1000`; target < 20 ms.
 *  3. The monitor's resident memory (VmRSS in /proc/PID/status, PID = State.MonitorPid
 *     from `minirun inspect`) 0.5 s after `run -d busybox sleep 1000`; target < 2048 KiB.
 *     Also on a user-defined network (the monitor then also serves the container's DNS),
 *     with a healthcheck probing every 100 ms, and after the container wrote 1000 lines
 *     to its json-file log. VmHWM (the peak) is printed next to it. Network elements go to
 *     an nftables table of the benchmark's own, removed at the end.
 *
 * Wall time is fork to exit of the whole command (steady_clock). Every command's stdout
 * goes to a file or /dev/null, never to a terminal, and stdin is /dev/null.
 *
 * This is a benchmark, not a test: it prints figures and asserts nothing; it stops, with
 * the failing command's stderr, if a command fails. Everything it makes lives under one
 * scratch directory (`--data-root`, `--image-root` and runc's `--root` all point there):
 * on every way out, including Ctrl-C (SIGINT, SIGTERM, SIGHUP), it removes its
 * containers with `minirun rm -f`, deletes runc's containers with `runc delete -f`,
 * detaches any mount left under the scratch directory and removes the directory. The
 * commands run in their own process group, so a Ctrl-C on the terminal reaches the
 * benchmark alone, which then lets the running command finish before it cleans up
 * (a `create` killed half-way could leave a half-made container behind). If `rm -f`
 * cannot remove a container, the scratch directory is kept (a live monitor still uses
 * it) and the message says how to finish by hand. minirun, minirun-monitor and
 * minirun-init are copied into the scratch directory first and run from there, so a
 * rebuild of the build directory during the run neither mixes two builds in the
 * figures nor leaves the cleanup without an executable.
 *
 * Usage: engine_bench [--runs N] [--containers N] [--minirun PATH]   (needs root, runc)
 * Lab: labs/01-image-and-container.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

#include "minirun/sys/file.hpp"
#include "tests/bench/bench_support.hpp"

namespace {

using namespace minirun::bench;

/// The nftables table of the benchmark's networks (never the kit's own `minirun`).
const char* kBenchTable = "minirun_engine_bench";

/// The scratch directory, the commands that run there, and the cleanup of all of it.
class Bench {
 public:
  Bench(std::string dir, const std::string& minirun, std::string runc)
      : dir_(std::move(dir)), runc_(std::move(runc)) {
    minirun_ = {minirun, "--data-root", dir_ + "/data", "--image-root", dir_ + "/images"};
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;
  ~Bench() { clean_up(); }

  const std::string& dir() const { return dir_; }
  std::string bundle() const { return dir_ + "/bundle"; }
  Argv minirun(const Argv& args) const { return with(minirun_, args); }
  Argv runc(const Argv& args) const { return with({runc_, "--root", dir_ + "/runc-state"}, args); }

  /// Runs argv; on failure prints its stderr and returns false. The output is in out().
  bool run(const Argv& argv, Sample* sample = nullptr) {
    Sample s = time_command(argv, out_path(), err_path());
    if (sample) *sample = s;
    if (s.status == 0) return true;
    auto err = minirun::sys::read_file(err_path());
    std::fprintf(stderr, "engine_bench: `%s` exited %d; its stderr:\n%s\n", join(argv).c_str(), s.status,
                 err ? err->c_str() : "(unreadable)");
    return false;
  }
  /// Runs argv ignoring its outcome (cleanup steps: the thing may already be gone).
  void run_quietly(const Argv& argv) { time_command(argv, "/dev/null", "/dev/null"); }
  /// Waits until the data root's trash/ is empty (a --rm monitor deleting a container's
  /// files after `run` returned); returns how long that took, in ms (at most ~2 s).
  double wait_for_empty_trash() const {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 2000; ++i) {
      std::error_code ec;
      std::filesystem::directory_iterator it(dir_ + "/data/trash", ec);
      if (ec || it == std::filesystem::directory_iterator()) break;
      ::usleep(100);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  std::string out() const {
    auto text = minirun::sys::read_file(out_path());
    return text ? *text : "";
  }
  /// The first line of the last command's stdout (`create` and `run -d` print the id).
  std::string out_line() const {
    std::string text = out();
    return text.substr(0, text.find('\n'));
  }

  /// Every container in our data root is ours: remove them all, and every runc
  /// container under our runc --root; then check that nothing is left behind.
  /// The store's own directory names are the ids, so this works even if `ps` would not.
  void remove_all_containers() {
    Argv ids = container_dirs();
    if (!ids.empty()) run_quietly(minirun(with({"rm", "-f"}, ids)));
    if (run_quiet_capture(runc({"list", "-q"})))
      for (const auto& id : words(out())) run_quietly(runc({"delete", "-f", id}));
  }

  /// Full container ids this run made, for the cgroup check at the end.
  void remember(const std::string& id) { ids_.push_back(id); }

 private:
  std::string out_path() const { return dir_ + "/stdout"; }
  std::string err_path() const { return dir_ + "/stderr"; }
  bool run_quiet_capture(const Argv& argv) { return time_command(argv, out_path(), "/dev/null").status == 0; }
  static Argv words(const std::string& text) {
    std::istringstream in(text);
    Argv all;
    for (std::string w; in >> w;) all.push_back(w);
    return all;
  }

  /// A container `rm -f` could not remove may still have a monitor and a process using
  /// the data root: deleting the directory under them would strand both (and their
  /// cgroups), so then the scratch directory stays, and the message says where.
  void clean_up() {
    remove_all_containers();
    // The networks (bench-net, and the default one if anything used it) and the
    // benchmark's own nftables table.
    run_quietly(minirun({"network", "prune", "-f"}));
    run_quietly({minirun_[0].substr(0, minirun_[0].rfind('/') + 1) + "minirun-net", "--table", kBenchTable, "remove-table"});
    if (Argv left = container_dirs(); !left.empty()) {
      std::fprintf(stderr, "engine_bench: cleanup: `minirun rm -f` left %zu containers; keeping %s. Remove them "
                   "with `%s rm -f ID..` (ids: ls %s/data/containers), then rm -rf %s\n", left.size(), dir_.c_str(),
                   join(minirun_).c_str(), dir_.c_str(), dir_.c_str());
      return;
    }
    report_leftovers();
    detach_mounts();
    if (auto removed = minirun::sys::remove_tree(dir_); !removed)
      std::fprintf(stderr, "engine_bench: cleanup: %s\n", removed.error().what().c_str());
  }

  Argv container_dirs() const {
    Argv ids;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_ + "/data/containers", ec), end; !ec && it != end; it.increment(ec))
      ids.push_back(it->path().filename().string());
    return ids;
  }

  /// A benchmark asserts nothing, but a leak found here is worth a line: a mount under
  /// the scratch directory, or a cgroup of one of our ids.
  void report_leftovers() const {
    if (size_t n = mounts_under_dir().size())
      std::fprintf(stderr, "engine_bench: cleanup: %zu mounts left under %s (detaching them)\n", n, dir_.c_str());
    const std::string cgroups = memory_cgroup_dir() + "/minirun/";
    for (const auto& id : ids_)
      if (minirun::sys::path_exists(cgroups + id))
        std::fprintf(stderr, "engine_bench: cleanup: cgroup %s%s left behind\n", cgroups.c_str(), id.c_str());
  }

  /// Where the runtime puts our containers' cgroups: under this process's own memory cgroup.
  static std::string memory_cgroup_dir() {
    std::ifstream cgroup("/proc/self/cgroup");
    for (std::string line; std::getline(cgroup, line);) {
      auto first = line.find(':'), second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
      if (controllers.find(",memory,") != std::string::npos) {
        std::string path = line.substr(second + 1);
        return "/sys/fs/cgroup/memory" + (path == "/" ? "" : path);
      }
    }
    return "/sys/fs/cgroup";  // cgroup v2: one hierarchy (the runtime's own choice then)
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

  /// remove_tree refuses to cross a mount point, so a rootfs an interrupted command left
  /// mounted is detached first, deepest first. Only mounts under our directory.
  void detach_mounts() const {
    auto targets = mounts_under_dir();
    std::sort(targets.rbegin(), targets.rend());  // children sort after their parents
    for (const auto& t : targets) ::umount2(t.c_str(), MNT_DETACH);
  }

  std::string dir_;
  std::string runc_;
  Argv minirun_;
  std::vector<std::string> ids_;
};

/// The runc bundle: the busybox rootfs the other benchmarks use, and `runc spec`'s
/// config with args ["true"] and no terminal (runc spec writes config.json in its cwd).
bool make_runc_bundle(Bench& bench) {
  const std::string bundle = bench.bundle();
  if (std::system(("sh " MINIRUN_SOURCE_DIR "/scripts/make-busybox-rootfs.sh " + bundle + "/rootfs").c_str()) != 0) {
    std::fprintf(stderr, "engine_bench: could not make the busybox rootfs under %s\n", bundle.c_str());
    return false;
  }
  if (!bench.run(bench.runc({"spec", "--bundle", bundle}))) return false;
  auto text = minirun::sys::read_file(bundle + "/config.json");
  if (!text) return false;
  nlohmann::json config = nlohmann::json::parse(*text, nullptr, false);
  if (config.is_discarded()) return false;
  config["process"]["args"] = {"true"};
  config["process"]["terminal"] = false;
  return static_cast<bool>(minirun::sys::write_file(bundle + "/config.json", config.dump(2)));
}

/// Item 1: `run --rm` against `runc run`, and the create / start -a / rm breakdown.
bool bench_run(Bench& bench, int runs) {
  std::vector<double> ours, peer, create_ms, start_ms, rm_ms, trash_ms;
  for (int round = -1; round < runs && !g_interrupted; ++round) {  // round -1: warm-up
    Sample run, runc, create, start, rm;
    const std::string runc_id = "engine-bench-" + std::to_string(::getpid()) + "-" + std::to_string(round + 1);
    if (!bench.run(bench.minirun({"run", "--rm", "--network", "none", "busybox", "true"}), &run)) return false;
    // The monitor deletes the container's files after `run` returned (trash/): that
    // work must not fall into runc's time, so wait for it, untimed, but report it.
    const double deleted_after = bench.wait_for_empty_trash();
    if (!bench.run(bench.runc({"run", "--bundle", bench.bundle(), runc_id}), &runc)) {
      bench.run_quietly(bench.runc({"delete", "-f", runc_id}));
      return false;
    }
    if (!bench.run(bench.minirun({"create", "--network", "none", "busybox", "true"}), &create)) return false;
    const std::string id = bench.out_line();
    bench.remember(id);
    if (!bench.run(bench.minirun({"start", "-a", id}), &start)) return false;
    if (!bench.run(bench.minirun({"rm", id}), &rm)) return false;
    if (round < 0) continue;
    ours.push_back(run.ms);
    trash_ms.push_back(deleted_after);
    peer.push_back(runc.ms);
    create_ms.push_back(create.ms);
    start_ms.push_back(start.ms);
    rm_ms.push_back(rm.ms);
  }
  if (g_interrupted) return false;
  std::printf("\n1. start-up: `run --rm busybox true` vs `runc run` of an unpacked bundle (runc spec, args [true])\n");
  std::printf("  %-34s median %8.2f ms\n", "minirun run --rm busybox true", median(ours));
  std::printf("  %-34s median %8.2f ms\n", "runc run", median(peer));
  std::printf("  ratio minirun/runc: %.3fx (target <= 0.30)\n", median(ours) / median(peer));
  std::printf("  (the container's files were deleted by its monitor a median %.2f ms after `run` returned;\n"
              "   the benchmark waits for that, untimed, before it starts runc)\n", median(trash_ms));
  std::printf("  breakdown: create %.2f ms + start -a %.2f ms + rm %.2f ms = %.2f ms (medians)\n", median(create_ms),
              median(start_ms), median(rm_ms), median(create_ms) + median(start_ms) + median(rm_ms));
  std::fflush(stdout);
  return true;
}

/// Times `ps -a` N times (after one warm-up) and checks that it lists `expected` rows.
bool time_ps(Bench& bench, int runs, size_t expected, const char* what) {
  std::vector<double> ps_ms;
  for (int round = -1; round < runs && !g_interrupted; ++round) {
    Sample s;
    if (!bench.run(bench.minirun({"ps", "-a"}), &s)) return false;
    if (round >= 0) ps_ms.push_back(s.ms);
  }
  if (g_interrupted) return false;
  std::string table = bench.out();
  size_t rows = static_cast<size_t>(std::count(table.begin(), table.end(), '\n'));
  rows = rows > 0 ? rows - 1 : 0;  // the header line
  std::string label = "ps -a, " + std::to_string(expected) + " " + what;
  std::printf("  %-36s median %7.2f ms (target < 20 ms)%s\n", label.c_str(), median(ps_ms),
              rows == expected ? "" : "   [ps listed a different number of rows]");
  std::fflush(stdout);
  return true;
}

/// Makes `count` containers with `args` (create, or run -d), returns their ids.
bool make_containers(Bench& bench, const Argv& args, int count, Argv& ids) {
  for (int i = 0; i < count && !g_interrupted; ++i) {
    if (!bench.run(bench.minirun(args))) return false;
    ids.push_back(bench.out_line());
    bench.remember(ids.back());
  }
  return !g_interrupted;
}

bool remove_containers(Bench& bench, const Argv& ids, double* ms) {
  Sample s;
  bool ok = bench.run(bench.minirun(with({"rm", "-f"}, ids)), &s);
  *ms = s.ms;
  return ok;
}

/// Item 2: `ps -a` over created containers, then over running ones.
bool bench_ps(Bench& bench, int runs, int count) {
  std::printf("\n2. listing: `minirun ps -a` (median of %d)\n", runs);
  Argv created, running;
  double rm_ms = 0;
  if (!make_containers(bench, {"create", "--network", "none", "busybox", "true"}, count, created)) return false;
  if (!time_ps(bench, runs, created.size(), "created containers:")) return false;
  if (!remove_containers(bench, created, &rm_ms)) return false;
  std::printf("    (rm -f of the %zu created containers, one command: %.0f ms)\n", created.size(), rm_ms);
  if (!make_containers(bench, {"run", "-d", "--network", "none", "busybox", "sleep", "1000"}, count, running))
    return false;
  if (!time_ps(bench, runs, running.size(), "running `sleep 1000`:")) return false;
  if (!remove_containers(bench, running, &rm_ms)) return false;
  std::printf("    (rm -f of the %zu running containers, one command: %.0f ms)\n", running.size(), rm_ms);
  return true;
}

/// One line of /proc/PID/status ("VmRSS"), in KiB; -1 if the process or line is missing.
long status_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return -1;
}

bool inspect_state(Bench& bench, const std::string& id, nlohmann::json& state) {
  if (!bench.run(bench.minirun({"inspect", id}))) return false;
  nlohmann::json all = nlohmann::json::parse(bench.out(), nullptr, false);
  if (all.is_discarded() || !all.is_array() || all.empty() || !all[0].contains("State")) {
    std::fprintf(stderr, "engine_bench: `minirun inspect %s` printed no State\n", id.c_str());
    return false;
  }
  state = all[0]["State"];
  return true;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

/// Starts `run -d` with `args`, waits 0.5 s and until `ready` says so (at most 10 s),
/// prints the monitor's VmRSS and VmHWM, removes the container.
template <typename Ready>
bool measure_monitor(Bench& bench, const char* what, const Argv& args, Ready ready) {
  if (!bench.run(bench.minirun(with({"run", "-d"}, args)))) return false;
  const std::string id = bench.out_line();
  bench.remember(id);
  sleep_ms(500);
  nlohmann::json state;
  std::string note;
  for (int waited = 0; !g_interrupted; waited += 100, sleep_ms(100)) {
    if (!inspect_state(bench, id, state)) return false;
    if (ready(bench, id, state, note) || waited >= 10000) break;
  }
  pid_t monitor = state.value("MonitorPid", 0);
  long rss = monitor > 0 ? status_kib(monitor, "VmRSS") : -1, peak = monitor > 0 ? status_kib(monitor, "VmHWM") : -1;
  std::printf("  %-36s VmRSS %6ld KiB (target < 2048 KiB)   VmHWM %6ld KiB   %s\n", what, rss, peak, note.c_str());
  std::fflush(stdout);
  double rm_ms = 0;
  return remove_containers(bench, {id}, &rm_ms) && !g_interrupted;
}

/// Item 3: the monitor's resident memory, plain, with a healthcheck, after 1000 log lines.
bool bench_monitor_memory(Bench& bench) {
  std::printf("\n3. monitor resident memory (State.MonitorPid, /proc/PID/status, 0.5 s after run -d)\n");
  auto at_once = [](Bench&, const std::string&, const nlohmann::json&, std::string&) { return true; };
  if (!measure_monitor(bench, "sleep 1000:", {"--network", "none", "busybox", "sleep", "1000"}, at_once)) return false;
  // On a user-defined network the monitor also runs the container's DNS server.
  if (!bench.run(bench.minirun({"network", "create", "bench-net"}))) return false;
  if (!measure_monitor(bench, "sleep 1000, user network + DNS:", {"--network", "bench-net", "busybox", "sleep", "1000"},
                       at_once))
    return false;
  // At least one probe done, so the probe's fork and its output capture are counted.
  auto probed = [](Bench&, const std::string&, const nlohmann::json& state, std::string& note) {
    size_t probes = state.contains("Health") ? state["Health"].value("Log", nlohmann::json::array()).size() : 0;
    note = "(health: " + (state.contains("Health") ? state["Health"].value("Status", "?") : std::string("none")) +
           ", " + std::to_string(probes) + " probes in State.Health.Log)";
    return probes > 0;
  };
  if (!measure_monitor(bench, "sleep 1000, healthcheck every 100ms:",
                       {"--health-cmd", "true", "--health-interval", "100ms", "busybox", "sleep", "1000"}, probed))
    return false;
  auto logged = [](Bench& b, const std::string& id, const nlohmann::json&, std::string& note) {
    if (!b.run(b.minirun({"logs", id}))) return true;  // reported; measure what there is
    std::string text = b.out();
    long lines = std::count(text.begin(), text.end(), '\n');
    note = "(" + std::to_string(lines) + " lines in `minirun logs`)";
    return lines >= 1000;
  };
  return measure_monitor(bench, "after 1000 logged lines:",
                         {"busybox", "sh", "-c", "i=0; while [ $i -lt 1000 ]; do echo line $i; i=$((i+1)); done; "
                                                 "sleep 1000"},
                         logged);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20, containers = 100;
  std::string minirun = MINIRUN_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--containers" && i + 1 < argc) {
      containers = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--minirun" && i + 1 < argc) {
      minirun = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--containers N] [--minirun PATH]\n", argv[0]);
      return 2;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "engine_bench: needs root (containers need namespaces, mounts and cgroups)\n");
    return 1;
  }
  if (::access(minirun.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "engine_bench: no minirun at %s: `cmake --build <build dir> --target minirun`, or pass "
                 "--minirun PATH\n", minirun.c_str());
    return 1;
  }
  const std::string runc = find_program({"/usr/sbin/runc", "/usr/bin/runc"});
  if (runc.empty()) {
    std::fprintf(stderr, "engine_bench: runc not found: apt-get install runc (scripts/setup.sh does)\n");
    return 1;
  }
  char tmpl[] = "/tmp/engine-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("engine_bench: mkdtemp");
    return 1;
  }
  // The engine finds minirun-monitor and minirun-init next to minirun. Copies of the
  // three keep the whole run on one build, and keep the cleanup working, even if the
  // build directory is relinked meanwhile (an executable being linked cannot be run).
  const std::string source_dir = minirun.substr(0, minirun.rfind('/') + 1), bin = std::string(tmpl) + "/bin";
  std::error_code copy_error;
  std::filesystem::create_directory(bin, copy_error);
  for (const char* name : {"minirun", "minirun-monitor", "minirun-init", "minirun-net"}) {
    if (copy_error) break;
    std::filesystem::copy_file(name == std::string("minirun") ? minirun : source_dir + name,
                               bin + "/" + name, copy_error);
  }
  if (copy_error) {
    std::fprintf(stderr, "engine_bench: copying minirun, minirun-monitor, minirun-init, minirun-net from %s: %s\n",
                 source_dir.c_str(), copy_error.message().c_str());
    (void)minirun::sys::remove_tree(tmpl);
    return 1;
  }
  catch_interrupts();
  // Published ports and network elements go to a table of the benchmark's own.
  ::setenv("MINIRUN_NFT_TABLE", kBenchTable, 1);
  int exit_code = 1;
  {
    Bench bench(tmpl, bin + "/minirun", runc);  // its destructor cleans up on every way out of this block
    std::printf("engine_bench: %d runs (+1 warm-up) each, %d containers for ps, scratch %s, binaries copied from %s\n",
                runs, containers, bench.dir().c_str(), source_dir.c_str());
    std::fflush(stdout);
    // Setup: the busybox image into the scratch store (made on first use), the runc bundle.
    bool ok = bench.run(bench.minirun({"create", "busybox", "true"}));
    if (ok) {
      bench.remember(bench.out_line());
      ok = bench.run(bench.minirun({"rm", bench.out_line()}));
    }
    ok = ok && make_runc_bundle(bench);
    ok = ok && bench_run(bench, runs) && bench_ps(bench, runs, containers) && bench_monitor_memory(bench);
    if (g_interrupted) std::fprintf(stderr, "engine_bench: interrupted; cleaning up\n");
    if (ok && !g_interrupted) exit_code = 0;
  }
  return exit_code;
}
