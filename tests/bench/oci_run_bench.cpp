/**
 * @file oci_run_bench.cpp
 * @brief How long does it take to run `true` in a container? minirun-oci against runc.
 *
 * Both runtimes get the same bundle: a busybox rootfs and one config.json with every
 * namespace (network included), a cgroup with memory and pids limits, Docker's default
 * seccomp profile and Docker's 14 default capabilities. The two commands alternate, run
 * after run, so that whatever else the machine does falls on both alike. For each the
 * benchmark reports the median and 90th percentile wall time of the whole `run` command
 * (fork to exit, including the container's teardown) and the peak resident memory of
 * the runtime process (ru_maxrss from wait4(2), which covers its children too).
 *
 * This is a benchmark, not a test: it prints figures and asserts nothing but that
 * both runtimes succeeded.
 *
 * Usage: oci_run_bench [--runs N | N] [--write-bundle DIR] (30 runs by default). Needs
 * root, Debian's `runc`, and the busybox rootfs (made on demand with
 * scripts/make-busybox-rootfs.sh). `--write-bundle DIR` only writes the bundle, so that
 * one start can be looked at with `minirun-oci --explain run --bundle DIR ID`.
 */
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/runtime/spec.hpp"

namespace {

namespace bench = minirun::bench;

int run_shell(const std::string& cmd) { return std::system(cmd.c_str()); }

/// The benchmark's bundle: the busybox rootfs and a config.json that runs `true`.
bool write_bundle(const std::string& bundle) {
  if (run_shell("mkdir -p " + bundle + " && sh " MINIRUN_SOURCE_DIR "/scripts/make-busybox-rootfs.sh " + bundle +
                "/rootfs >/dev/null") != 0) {
    std::fprintf(stderr, "oci_run_bench: could not make the busybox rootfs in %s/rootfs\n", bundle.c_str());
    return false;
  }
  nlohmann::json config = minirun::runtime::default_spec(false);
  config["process"]["args"] = {"true"};
  config["process"]["terminal"] = false;
  config["linux"]["resources"] = {{"memory", {{"limit", 64 * 1024 * 1024}}}, {"pids", {{"limit", 64}}}};
  config["linux"]["seccomp"] = minirun::runtime::docker_default_seccomp_profile();
  std::ofstream(bundle + "/config.json") << config.dump(2);
  return true;
}

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--runs N | N] [--write-bundle DIR]\n"
               "  --runs N            timed runs of each runtime (default 30), after 3 warm-up runs\n"
               "  --write-bundle DIR  only write the benchmark's bundle to DIR and exit, to look at one\n"
               "                      start by hand: minirun-oci --explain run --bundle DIR ID\n",
               argv0);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 30;
  std::string bundle_only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    }
    if (arg == "--write-bundle" && i + 1 < argc) {
      bundle_only = argv[++i];
      continue;
    }
    if (arg == "--runs" && i + 1 < argc) arg = argv[++i];
    char* end = nullptr;
    long n = std::strtol(arg.c_str(), &end, 10);
    if (arg.empty() || *end != '\0' || n < 1 || n > 100000) {
      std::fprintf(stderr, "oci_run_bench: '%s' is not a number of runs (1 or more)\n", arg.c_str());
      usage(argv[0]);
      return 2;
    }
    runs = static_cast<int>(n);
  }
  if (!bundle_only.empty()) return write_bundle(bundle_only) ? 0 : 1;
  if (geteuid() != 0) {
    std::fprintf(stderr, "oci_run_bench: needs root (namespaces, cgroups)\n");
    return 1;
  }
  std::string runc = bench::find_program({"/usr/sbin/runc", "/usr/bin/runc"});
  if (runc.empty()) {
    std::fprintf(stderr, "oci_run_bench: runc not found: apt-get install runc (scripts/setup.sh does)\n");
    return 1;
  }
  char tmpl[] = "/tmp/minirun-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string bundle = dir + "/bundle";
  if (!write_bundle(bundle)) {
    run_shell("rm -rf " + dir);
    return 1;
  }

  const std::string ours = MINIRUN_OCI_BINARY;
  std::vector<double> ours_ms, runc_ms;
  long ours_rss = 0, runc_rss = 0;
  for (int i = -3; i < runs; ++i) {  // three warm-up rounds, not counted
    std::string id = "bench-" + std::to_string(getpid()) + "-" + std::to_string(i + 3);
    bench::Sample a = bench::time_command({ours, "--root", dir + "/state-minirun", "run", "--bundle", bundle, id},
                                          "/dev/null", "");
    bench::Sample b = bench::time_command({runc, "--root", dir + "/state-runc", "run", "--bundle", bundle, id},
                                          "/dev/null", "");
    if (a.status != 0 || b.status != 0) {
      std::fprintf(stderr, "oci_run_bench: run %d failed: minirun-oci exit %d, runc exit %d\n", i, a.status, b.status);
      run_shell("rm -rf " + dir);
      return 1;
    }
    if (i < 0) continue;
    ours_ms.push_back(a.ms);
    runc_ms.push_back(b.ms);
    ours_rss = std::max(ours_rss, a.max_rss_kib);
    runc_rss = std::max(runc_rss, b.max_rss_kib);
  }
  run_shell("rm -rf " + dir);

  double om = bench::median(ours_ms), rm = bench::median(runc_ms);
  std::printf("oci_run_bench: `run` of `true`, all namespaces, memory+pids cgroup, Docker seccomp + caps; %d runs each\n",
              runs);
  std::printf("  %-12s median %7.2f ms   p90 %7.2f ms   peak RSS %6.1f MiB\n", "minirun-oci", om,
              bench::percentile(ours_ms, 0.9), static_cast<double>(ours_rss) / 1024.0);
  std::printf("  %-12s median %7.2f ms   p90 %7.2f ms   peak RSS %6.1f MiB\n", "runc", rm,
              bench::percentile(runc_ms, 0.9), static_cast<double>(runc_rss) / 1024.0);
  std::printf("  ratio minirun-oci/runc: time %.3fx (target <= 0.15x), peak memory %.3fx (target <= 0.5x)\n", om / rm,
              static_cast<double>(ours_rss) / static_cast<double>(runc_rss));
  return 0;
}
