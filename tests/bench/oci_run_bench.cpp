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
 * Usage: oci_run_bench [RUNS] (default 30). Needs root, Debian's `runc`, and the busybox
 * rootfs (made on demand with scripts/make-busybox-rootfs.sh).
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/runtime/spec.hpp"

namespace {

struct Sample {
  double ms = 0;
  long max_rss_kib = 0;
  int status = -1;
};

Sample time_command(const std::vector<std::string>& argv) {
  struct timespec a {}, b {};
  clock_gettime(CLOCK_MONOTONIC, &a);
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  clock_gettime(CLOCK_MONOTONIC, &b);
  Sample s;
  s.ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
  s.max_rss_kib = usage.ru_maxrss;
  s.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return s;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int run_shell(const std::string& cmd) { return std::system(cmd.c_str()); }

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 30;
  if (geteuid() != 0) {
    std::fprintf(stderr, "oci_run_bench: needs root (namespaces, cgroups)\n");
    return 1;
  }
  std::string runc = "/usr/sbin/runc";
  if (access(runc.c_str(), X_OK) != 0) runc = "/usr/bin/runc";
  if (access(runc.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "oci_run_bench: runc not found: apt-get install runc (scripts/setup.sh does)\n");
    return 1;
  }
  char tmpl[] = "/tmp/minirun-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string bundle = dir + "/bundle";
  if (run_shell("mkdir -p " + bundle + " && sh " MINIRUN_SOURCE_DIR "/scripts/make-busybox-rootfs.sh " + bundle +
                "/rootfs") != 0) {
    std::fprintf(stderr, "oci_run_bench: could not make the busybox rootfs\n");
    return 1;
  }
  nlohmann::json config = minirun::runtime::default_spec(false);
  config["process"]["args"] = {"true"};
  config["process"]["terminal"] = false;
  config["linux"]["resources"] = {{"memory", {{"limit", 64 * 1024 * 1024}}}, {"pids", {{"limit", 64}}}};
  config["linux"]["seccomp"] = minirun::runtime::docker_default_seccomp_profile();
  std::ofstream(bundle + "/config.json") << config.dump(2);

  const std::string ours = MINIRUN_OCI_BINARY;
  std::vector<double> ours_ms, runc_ms;
  long ours_rss = 0, runc_rss = 0;
  for (int i = -3; i < runs; ++i) {  // three warm-up rounds, not counted
    std::string id = "bench-" + std::to_string(getpid()) + "-" + std::to_string(i + 3);
    Sample a = time_command({ours, "--root", dir + "/state-minirun", "run", "--bundle", bundle, id});
    Sample b = time_command({runc, "--root", dir + "/state-runc", "run", "--bundle", bundle, id});
    if (a.status != 0 || b.status != 0) {
      std::fprintf(stderr, "oci_run_bench: run %d failed: minirun-oci exit %d, runc exit %d\n", i, a.status, b.status);
      return 1;
    }
    if (i < 0) continue;
    ours_ms.push_back(a.ms);
    runc_ms.push_back(b.ms);
    ours_rss = std::max(ours_rss, a.max_rss_kib);
    runc_rss = std::max(runc_rss, b.max_rss_kib);
  }
  run_shell("rm -rf " + dir);

  double om = percentile(ours_ms, 0.5), rm = percentile(runc_ms, 0.5);
  std::printf("oci_run_bench: `run` of `true`, all namespaces, memory+pids cgroup, Docker seccomp + caps; %d runs each\n",
              runs);
  std::printf("  %-12s median %7.2f ms   p90 %7.2f ms   peak RSS %6.1f MiB\n", "minirun-oci", om,
              percentile(ours_ms, 0.9), static_cast<double>(ours_rss) / 1024.0);
  std::printf("  %-12s median %7.2f ms   p90 %7.2f ms   peak RSS %6.1f MiB\n", "runc", rm, percentile(runc_ms, 0.9),
              static_cast<double>(runc_rss) / 1024.0);
  std::printf("  ratio minirun-oci/runc: time %.3fx (target <= 0.15x), peak memory %.3fx (target <= 0.5x)\n", om / rm,
              static_cast<double>(ours_rss) / static_cast<double>(runc_rss));
  return 0;
}
