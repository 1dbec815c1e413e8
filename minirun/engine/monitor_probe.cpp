/**
 * @file monitor_probe.cpp
 * @brief start_health_probe(): fork, then `exec` the healthcheck in the container; see monitor_probe.hpp.
 */
#include "minirun/engine/monitor_probe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "minirun/sys/stamps.hpp"

namespace minirun::engine {

Probe start_health_probe(runtime::Runtime& runtime, const ContainerStore& store, const ContainerConfig& config,
                         const nlohmann::json& bundle, int64_t deadline_ns) {
  Probe probe;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return probe;
  probe.output.reset(fds[0]);
  probe.captured.clear();
  probe.start = now_rfc3339();
  probe.deadline_ns = deadline_ns;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    nlohmann::json process = bundle.value("process", nlohmann::json::object());
    process["args"] = config.healthcheck.argv();
    process["terminal"] = false;
    auto parsed = runtime::parse_process(process, "healthcheck");
    if (!parsed) {
      std::string text = parsed.error().what() + "\n";
      (void)!::write(2, text.data(), text.size());
      ::_exit(126);
    }
    runtime::ExecOptions options;
    options.pid_file = store.dir(config.id) + "/health.pid";
    auto code = runtime.exec(config.id, *parsed, options);
    if (!code) {
      std::string text = code.error().what() + "\n";
      (void)!::write(2, text.data(), text.size());
      ::_exit(126);
    }
    ::_exit(*code & 0xff);
  }
  ::close(fds[1]);
  if (pid < 0) {
    probe.output.reset();
    return probe;
  }
  probe.pid = pid;
  return probe;
}

}  // namespace minirun::engine
