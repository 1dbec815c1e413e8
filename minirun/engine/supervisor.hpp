/**
 * @file supervisor.hpp
 * @brief The monitor's object (internal to minirun-monitor): one container, from its
 *        first start to its removal; see monitor.hpp for the job as a whole.
 *
 * Its members are defined in two files, one concept each:
 *  - monitor_start.cpp: the container's start (the runtime's create and start, its
 *    output pipes and pty, plugging it into its networks and its DNS server) and the
 *    ports taken down at the end;
 *  - monitor.cpp: the loop around it (copying output into the log, health probes,
 *    reaping, the restart policy, the end of a --rm container) and run_monitor().
 *
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/engine/bundle_writer.hpp"
#include "minirun/engine/container_config.hpp"
#include "minirun/engine/container_store.hpp"
#include "minirun/engine/health.hpp"
#include "minirun/engine/json_log.hpp"
#include "minirun/engine/monitor.hpp"
#include "minirun/engine/monitor_probe.hpp"
#include "minirun/network/dns_server.hpp"
#include "minirun/runtime/container.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

/// CLOCK_MONOTONIC in nanoseconds: the monitor's deadlines (probes, intervals).
inline int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class Supervisor {
 public:
  Supervisor(const MonitorArgs& args, ContainerConfig config, const struct stat& config_stat, WrittenBundle bundle)
      : args_(args),
        store_(args.data_root),
        config_(std::move(config)),
        config_stat_(config_stat),
        bundle_(std::move(bundle.config)),
        seccomp_(std::move(bundle.seccomp)),
        runtime_({.root = store_.runtime_root(), .defer_state_removal = true}) {
    if (args.attached) {
      stdout_fd_ = kMonitorStdoutFd;
      stderr_fd_ = kMonitorStderrFd;
    }
  }

  int run();

 private:
  /// Creates and starts the container once; fills created_, out_, err_ / master_.
  Result<void> start_container();
  /// Polls until the init exits; returns its exit status.
  Result<sys::ExitStatus> supervise();
  /// After the init exited: OOM count, runtime delete, drain the output.
  bool finish_container();
  void pump(int& fd, const char* stream);
  void start_probe();
  void finish_probe(bool timed_out);
  void record_exit(int code, bool oom, const std::string& error);
  bool stop_requested();
  void unmount_rootfs();
  /// Plugs the container into its bridge networks (veths) before it runs.
  Result<void> connect_container(pid_t pid);
  /// The embedded DNS server on 127.0.0.11:53 inside the namespace `netns_fd`.
  Result<void> start_dns(int netns_fd);
  /// Takes down the ports `minirun start` published for us.
  void unpublish();
  /// Deletes leftovers_ (failures are logged: `minirun system prune` sweeps them).
  void delete_leftovers();

  const MonitorArgs& args_;
  ContainerStore store_;
  ContainerConfig config_;
  struct stat config_stat_ {};  ///< config.json as it was when config_ was read
  nlohmann::json bundle_;
  std::optional<runtime::Seccomp> seccomp_;  ///< bundle_'s linux.seccomp, when built in (WrittenBundle)
  runtime::Runtime runtime_;
  std::optional<JsonLogWriter> log_;
  int status_fd_ = kMonitorStatusFd;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;

  std::optional<runtime::CreatedContainer> created_;
  /// Directories whose deletion waits until no client waits for us (delete_leftovers):
  /// the runtime's retired state directory, a --rm container's files.
  std::vector<std::string> leftovers_;
  sys::UniqueFd out_, err_, master_;
  int64_t started_ns_ = 0;

  std::optional<network::DnsServer> dns_;

  HealthState health_;
  Probe probe_;
  int64_t next_probe_ns_ = 0;
};

}  // namespace minirun::engine
