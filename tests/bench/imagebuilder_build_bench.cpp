/**
 * @file imagebuilder_build_bench.cpp
 * @brief How long does `imagebuilder build` take, cold and cached? The kit against
 *        Debian's `buildah bud --layers`.
 *
 * Three busybox-based Dockerfiles, written by the program into a scratch directory:
 *  - simple:      ENV, WORKDIR, COPY of 20 files of 4 KiB, one RUN, CMD;
 *  - big-copy:    COPY of 50 files of 1 MiB (incompressible bytes), then a RUN;
 *  - multi-stage: a builder stage whose RUN writes files, then a second stage that
 *                 takes them with `COPY --from=builder` and RUNs over them.
 * For each, a *cold* build starts with no build cache and no built image (both tools'
 * caches are cleared and the image removed; the base image stays), and a *cached*
 * build is the same build again straight after, where every step should hit the cache.
 * The tools alternate within each repetition (kit cold, buildah cold, kit cached,
 * buildah cached) so that whatever else the machine does falls on both alike. One
 * warm-up repetition is not counted. Wall time is fork to exit of the whole command
 * (steady_clock), and peak RSS is ru_maxrss from wait4(2) for that one child, which
 * is the largest of the process and the descendants it waited for (for buildah that
 * includes runc; for the kit, its build containers).
 *
 * Both tools start from the same base: the kit's built-in `busybox` image, tagged
 * `localhost/busybox`, copied with skopeo from the kit's store (an OCI image layout)
 * into a private containers-storage under the scratch directory. buildah runs with
 * `--root/--runroot` pointing there, `--pull=never` (nothing is ever fetched: the
 * machine may have no registry), `--isolation=oci` (runc) and `--network=none`; the
 * machine's image storage is not used (only containers/image's small blob-info cache,
 * /var/lib/containers/cache/blob-info-cache-v1.boltdb, is still written: no flag of
 * skopeo or buildah moves it).
 *
 * The issue's targets: cold build <= 0.5x buildah's median, cached rebuild <= 0.2x.
 *
 * This is a benchmark, not a test: it prints a table and asserts nothing; it stops
 * (printing the tool's stderr) if a build fails. Without buildah or skopeo it reports
 * the kit's figures alone. The scratch directory is removed at the end, also after a
 * failure.
 *
 * Usage: imagebuilder_build_bench [--runs N] [--imagebuilder PATH]   (needs root)
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "minirun/sys/file.hpp"
#include "tests/bench/bench_support.hpp"

namespace {

using minirun::bench::find_program;
using minirun::bench::median;
using minirun::bench::Sample;
using minirun::bench::with;

/// Runs argv (no shell) with stdout to /dev/null and stderr to `stderr_path`.
Sample time_command(const std::vector<std::string>& argv, const std::string& stderr_path) {
  return minirun::bench::time_command(argv, "/dev/null", stderr_path);
}

/// The scratch directory and everything the tools mounted in it, removed on every way
/// out. containers-storage's overlay driver leaves its home bind-mounted (and a failed
/// build may leave a layer mounted); remove_tree refuses to cross a mount point, so
/// those are detached first, deepest first.
class Scratch {
 public:
  explicit Scratch(std::string path) : path_(std::move(path)) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (!before_removal_.empty()) std::system(before_removal_.c_str());
    detach_mounts();
    if (auto removed = minirun::sys::remove_tree(path_); !removed)
      std::fprintf(stderr, "imagebuilder_build_bench: cleanup: %s\n", removed.error().what().c_str());
  }
  const std::string& path() const { return path_; }
  /// A shell command run before removal (buildah's own `rmi -a`, which unmounts its layers).
  void run_before_removal(std::string command) { before_removal_ = std::move(command); }

 private:
  void detach_mounts() const {
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::vector<std::string> targets;
    for (std::string line; std::getline(mountinfo, line);) {
      std::istringstream fields(line);
      std::string id, parent, devices, root, target;
      fields >> id >> parent >> devices >> root >> target;
      if (target.rfind(path_ + "/", 0) == 0) targets.push_back(target);
    }
    std::sort(targets.rbegin(), targets.rend());  // children sort after their parents
    for (const auto& t : targets) ::umount2(t.c_str(), MNT_DETACH);
  }
  std::string path_;
  std::string before_removal_;
};

bool write_bytes(const std::string& path, std::uint64_t bytes, std::uint64_t seed) {
  std::string data(bytes, '\0');
  std::uint64_t state = seed | 1;
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {  // xorshift64: incompressible, fast
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(&data[i], &state, 8);
  }
  return static_cast<bool>(minirun::sys::write_file(path, data));
}

struct Context {
  std::string name;  // also the image name: localhost/bench-<name>
  std::string dir;
};

/// Writes the three build contexts; returns false if a file cannot be written.
bool make_contexts(const std::string& root, std::vector<Context>& contexts) {
  namespace sys = minirun::sys;
  const std::string simple = root + "/simple", big = root + "/big-copy", multi = root + "/multi-stage";
  for (const auto& d : {simple + "/files", big + "/data", multi})
    if (!sys::make_directories(d)) return false;
  bool ok = static_cast<bool>(sys::write_file(simple + "/Dockerfile",
                                              "FROM localhost/busybox\n"
                                              "ENV A=1\n"
                                              "WORKDIR /app\n"
                                              "COPY . /app/\n"
                                              "RUN echo hi > /app/out && ls /app >/dev/null\n"
                                              "CMD [\"sh\"]\n"));
  for (int i = 0; ok && i < 20; ++i) ok = write_bytes(simple + "/files/f" + std::to_string(i), 4096, 100 + i);
  ok = ok && sys::write_file(big + "/Dockerfile",
                             "FROM localhost/busybox\n"
                             "COPY data /data\n"
                             "RUN du -s /data > /data.size\n");
  for (int i = 0; ok && i < 50; ++i) ok = write_bytes(big + "/data/blob" + std::to_string(i), 1 << 20, 200 + i);
  ok = ok && sys::write_file(multi + "/Dockerfile",
                             "FROM localhost/busybox AS builder\n"
                             "RUN mkdir -p /out && for i in $(seq 1 200); do echo line $i > /out/f$i; done"
                             " && dd if=/dev/zero of=/out/zeros bs=1024 count=4096 2>/dev/null\n"
                             "FROM localhost/busybox\n"
                             "COPY --from=builder /out /opt/out\n"
                             "RUN ls /opt/out | wc -l > /opt/count\n"
                             "CMD [\"cat\", \"/opt/count\"]\n");
  contexts = {{"simple", simple}, {"big-copy", big}, {"multi-stage", multi}};
  return ok;
}

/// How to drive one tool: the argv of a build, and of the steps that make it cold.
struct Tool {
  std::string name;
  std::vector<std::string> global;  // program and global flags
  std::vector<std::string> build_flags;
  std::vector<std::vector<std::string>> clear_steps;  // appended to `global`; "IMAGE" = the image's name
};

std::vector<std::string> build_argv(const Tool& tool, const Context& c) {
  return with(with(tool.global, {tool.name == "buildah" ? "bud" : "build"}),
              with(tool.build_flags, {"-t", "localhost/bench-" + c.name + ":latest", c.dir}));
}

/// Runs argv; on failure prints the tool's stderr and returns false.
bool run_step(const std::vector<std::string>& argv, const std::string& stderr_path, Sample* sample = nullptr) {
  Sample s = time_command(argv, stderr_path);
  if (sample) *sample = s;
  if (s.status == 0) return true;
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
  auto err = minirun::sys::read_file(stderr_path);
  std::fprintf(stderr, "imagebuilder_build_bench: `%s` exited %d; its stderr:\n%s\n", command.c_str(), s.status,
               err ? err->c_str() : "(unreadable)");
  return false;
}

/// Clears `tool`'s build cache and the built image (both may be absent: errors ignored).
void make_cold(const Tool& tool, const Context& c, const std::string& stderr_path) {
  for (auto step : tool.clear_steps) {
    std::replace(step.begin(), step.end(), std::string("IMAGE"), "localhost/bench-" + c.name + ":latest");
    time_command(with(tool.global, step), stderr_path);
  }
}

struct Figures {
  std::vector<double> cold_ms, cached_ms, cold_rss, cached_rss;
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string imagebuilder;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--imagebuilder" && i + 1 < argc) {
      imagebuilder = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--imagebuilder PATH]\n", argv[0]);
      return 2;
    }
  }
  if (imagebuilder.empty()) {
    std::string oci = MINIRUN_OCI_BINARY;
    imagebuilder = oci.substr(0, oci.rfind('/') + 1) + "imagebuilder";
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "imagebuilder_build_bench: needs root (RUN steps run in containers for both tools)\n");
    return 1;
  }
  if (::access(imagebuilder.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "imagebuilder_build_bench: no imagebuilder at %s: `cmake --build <build dir> --target "
                 "imagebuilder`, or pass --imagebuilder PATH\n", imagebuilder.c_str());
    return 1;
  }
  const std::string buildah = find_program({"/usr/bin/buildah", "/usr/local/bin/buildah"});
  const std::string skopeo = find_program({"/usr/bin/skopeo", "/usr/local/bin/skopeo"});
  const bool compare = !buildah.empty() && !skopeo.empty();
  if (!compare)
    std::fprintf(stderr, "imagebuilder_build_bench: %s missing: `apt-get install buildah skopeo` to compare "
                 "against buildah; reporting imagebuilder alone\n", buildah.empty() ? "buildah" : "skopeo");

  char tmpl[] = "/tmp/imagebuilder-build-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("imagebuilder_build_bench: mkdtemp");
    return 1;
  }
  Scratch scratch(tmpl);
  const std::string dir = scratch.path(), store = dir + "/store", err_log = dir + "/stderr.log";
  const std::string bh_root = dir + "/buildah-root", bh_runroot = dir + "/buildah-runroot";

  std::vector<Context> contexts;
  if (!make_contexts(dir + "/contexts", contexts)) {
    std::fprintf(stderr, "imagebuilder_build_bench: cannot write the build contexts under %s\n", dir.c_str());
    return 1;
  }

  // The common base: the kit's built-in busybox (made by the first `FROM busybox`),
  // named localhost/busybox so that buildah takes it as a local, fully qualified name.
  Tool kit{"imagebuilder", {imagebuilder, "--root", store, "--state-root", dir + "/state"}, {"-q"},
           {{"rmi", "-f", "IMAGE"}, {"prune", "--cache"}}};
  const std::string base_dir = dir + "/contexts/base";
  if (!minirun::sys::make_directories(base_dir) || !minirun::sys::write_file(base_dir + "/Dockerfile", "FROM busybox\n"))
    return 1;
  if (!run_step(with(kit.global, {"build", "-q", base_dir}), err_log) ||
      !run_step(with(kit.global, {"tag", "busybox", "localhost/busybox"}), err_log))
    return 1;

  Tool peer{"buildah",
            {buildah, "--root", bh_root, "--runroot", bh_runroot, "--storage-driver", "overlay"},
            {"--layers", "--pull=never", "--isolation=oci", "--network=none", "-q"},
            {{"rmi", "-f", "IMAGE"}, {"rmi", "--prune"}}};
  if (compare) {
    scratch.run_before_removal(buildah + " --root " + bh_root + " --runroot " + bh_runroot +
                               " --storage-driver overlay rmi -a -f >/dev/null 2>&1");
    if (!run_step({skopeo, "copy", "-q", "oci:" + store + ":busybox:latest",
                   "containers-storage:[overlay@" + bh_root + "+" + bh_runroot + "]localhost/busybox:latest"},
                  err_log))
      return 1;
  }

  std::vector<Figures> kit_figures(contexts.size()), peer_figures(contexts.size());
  std::printf("imagebuilder_build_bench: %d runs (+1 warm-up) per Dockerfile, scratch %s\n", runs, dir.c_str());
  std::fflush(stdout);
  for (int round = -1; round < runs; ++round) {
    for (size_t i = 0; i < contexts.size(); ++i) {
      const Context& c = contexts[i];
      make_cold(kit, c, err_log);
      if (compare) make_cold(peer, c, err_log);
      Sample kit_cold, peer_cold, kit_cached, peer_cached;
      if (!run_step(build_argv(kit, c), err_log, &kit_cold)) return 1;
      if (compare && !run_step(build_argv(peer, c), err_log, &peer_cold)) return 1;
      if (!run_step(build_argv(kit, c), err_log, &kit_cached)) return 1;
      if (compare && !run_step(build_argv(peer, c), err_log, &peer_cached)) return 1;
      if (round < 0) continue;
      auto record = [](Figures& f, const Sample& cold, const Sample& cached) {
        f.cold_ms.push_back(cold.ms);
        f.cached_ms.push_back(cached.ms);
        f.cold_rss.push_back(static_cast<double>(cold.max_rss_kib) / 1024.0);
        f.cached_rss.push_back(static_cast<double>(cached.max_rss_kib) / 1024.0);
      };
      record(kit_figures[i], kit_cold, kit_cached);
      if (compare) record(peer_figures[i], peer_cold, peer_cached);
    }
    if (round < 0)
      std::fprintf(stderr, "  warm-up round done\n");
    else
      std::fprintf(stderr, "  round %d of %d done\n", round + 1, runs);
  }

  std::printf("\n%-12s %-13s %12s %14s %14s %16s\n", "Dockerfile", "tool", "cold ms", "cached ms", "cold RSS MiB",
              "cached RSS MiB");
  auto print_row = [](const std::string& df, const std::string& tool, const Figures& f) {
    std::printf("%-12s %-13s %12.1f %14.1f %14.1f %16.1f\n", df.c_str(), tool.c_str(), median(f.cold_ms),
                median(f.cached_ms), median(f.cold_rss), median(f.cached_rss));
  };
  for (size_t i = 0; i < contexts.size(); ++i) {
    print_row(contexts[i].name, "imagebuilder", kit_figures[i]);
    if (compare) print_row("", "buildah", peer_figures[i]);
  }
  if (compare) {
    std::printf("\nratio imagebuilder/buildah (medians):\n");
    for (size_t i = 0; i < contexts.size(); ++i) {
      const Figures &k = kit_figures[i], &p = peer_figures[i];
      std::printf("  %-12s cold %6.3fx (target <= 0.5x)   cached %6.3fx (target <= 0.2x)   peak RSS cold %5.2fx\n",
                  contexts[i].name.c_str(), median(k.cold_ms) / median(p.cold_ms),
                  median(k.cached_ms) / median(p.cached_ms), median(k.cold_rss) / median(p.cold_rss));
    }
  }
  std::printf("\nmedians of %d runs; cold = no build cache, no built image (base kept); cached = the same build "
              "again.\nbuildah %s: bud --layers --pull=never --isolation=oci --network=none, overlay storage.\n",
              runs, compare ? "flags" : "not run");
  return 0;
}
