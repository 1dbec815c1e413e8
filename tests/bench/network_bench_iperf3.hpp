/**
 * @file network_bench_iperf3.hpp
 * @brief network_bench's second figure measured a second way: Debian's iperf3, the tool
 *        the networks issue names, between two containers and on the host's loopback.
 *
 * The in-process transfer (network_bench.cpp, bench_throughput) keeps everything in one
 * program: both ends are threads of the benchmark, so the figure also depends on how the
 * kernel places those two threads and its own packet processing on the two vCPUs. iperf3
 * is how a learner or an operator would check the same claim: a server process in
 * container A's network namespace, a client process in container B's, and the same pair
 * on the host's 127.0.0.1 as the baseline. The namespaces are entered with nsenter(1)
 * (util-linux), so the host's iperf3 binary runs there without being in the image.
 * Rounds alternate loopback and bridge; medians of the receiver's rate (`-J`,
 * end.sum_received.bits_per_second).
 *
 * Traffic goes only to 127.0.0.1 and to container A's address, inside the benchmark's own
 * namespaces. Skipped, and said so, when iperf3 is not installed (scripts/setup.sh
 * installs it).
 */
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/bench/bench_support.hpp"

namespace minirun::bench {

inline constexpr int kIperfRounds = 3;
inline constexpr int kIperfSeconds = 3;
inline constexpr int kIperfPort = 5201;  // iperf3's own default; inside A's namespace nothing else listens

/// argv prefixed with `nsenter --net=/proc/PID/ns/net` (pid 0: the host, no prefix).
inline Argv in_netns_of(pid_t pid, const Argv& argv) {
  if (pid == 0) return argv;
  const std::string nsenter = find_program({"/usr/bin/nsenter", "/bin/nsenter"});
  return with({nsenter, "--net=/proc/" + std::to_string(pid) + "/ns/net"}, argv);
}

/// One iperf3 run: a one-shot server (`-s -1`) in `server_pid`'s network namespace bound
/// to `address`, a client in `client_pid`'s. Returns Gbit/s received, or a negative
/// number after printing why.
inline double iperf3_once(const std::string& iperf3, pid_t server_pid, pid_t client_pid, const std::string& address,
                          const std::string& scratch) {
  Argv server = in_netns_of(server_pid, {iperf3, "-s", "-1", "-B", address, "-p", std::to_string(kIperfPort)});
  pid_t spid = spawn(server, "/dev/null");
  if (spid < 0) return -1;
  // The client retries until the server listens (iperf3 has no "ready" signal).
  Sample client;
  const std::string out = scratch + "/iperf3.json", err = scratch + "/iperf3.err";
  for (int attempt = 0; attempt < 50; ++attempt) {
    ::usleep(20'000);
    client = time_command(in_netns_of(client_pid, {iperf3, "-c", address, "-p", std::to_string(kIperfPort), "-t",
                                                   std::to_string(kIperfSeconds), "-J"}),
                          out, err);
    if (client.status == 0) break;
  }
  if (client.status != 0) ::kill(spid, SIGTERM);
  Sample server_exit;
  wait_child(spid, server_exit);
  if (client.status != 0) {
    std::ifstream e(err);
    std::stringstream text;
    text << e.rdbuf();
    std::fprintf(stderr, "network_bench: iperf3 to %s failed: %s\n", address.c_str(), text.str().c_str());
    return -1;
  }
  auto report = nlohmann::json::parse(std::ifstream(out), nullptr, false);
  if (report.is_discarded()) return -1;
  return report["end"]["sum_received"]["bits_per_second"].get<double>() / 1e9;
}

/// iperf3 over the bridge (B -> A) against iperf3 on the host's loopback.
inline bool bench_iperf3(pid_t a_pid, const std::string& a_address, pid_t b_pid, const std::string& scratch) {
  const std::string iperf3 = find_program({"/usr/bin/iperf3", "/bin/iperf3"});
  if (iperf3.empty()) {
    std::printf("\n2b. iperf3: not installed (apt-get install iperf3, or scripts/setup.sh): skipped\n");
    return true;
  }
  std::vector<double> loopback, bridge;
  for (int round = 0; round < kIperfRounds && !g_interrupted; ++round) {
    double lo = iperf3_once(iperf3, 0, 0, "127.0.0.1", scratch);
    double br = iperf3_once(iperf3, a_pid, b_pid, a_address, scratch);
    if (lo < 0 || br < 0) return false;
    loopback.push_back(lo);
    bridge.push_back(br);
  }
  if (g_interrupted) return false;
  std::printf("\n2b. the same with iperf3 (Debian), %d s per run, separate server and client processes, median of %d\n",
              kIperfSeconds, kIperfRounds);
  std::printf("  %-40s median %6.2f Gbit/s\n", "loopback 127.0.0.1 (host)", median(loopback));
  std::printf("  %-40s median %6.2f Gbit/s\n", ("bridge, B -> A (" + a_address + ")").c_str(), median(bridge));
  std::printf("  bridge / loopback: %.0f%% (target >= 80%%)\n", 100 * median(bridge) / median(loopback));
  std::fflush(stdout);
  return true;
}

}  // namespace minirun::bench
