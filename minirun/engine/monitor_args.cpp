/**
 * @file monitor_args.cpp
 * @brief The monitor's command line, as `minirun start` writes it; see monitor.hpp.
 *
 * Nobody types it: Engine::start (engine.cpp) spawns minirun-monitor with these flags,
 * so an unknown flag is a mismatch between two builds, and the error says so.
 * Lab: labs/01-image-and-container.
 */
#include "minirun/engine/monitor.hpp"

#include <unistd.h>

#include <cerrno>

namespace minirun::engine {

using sys::Error;
using sys::Result;

Result<MonitorArgs> parse_monitor_args(int argc, char** argv) {
  MonitorArgs args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return Error("minirun-monitor: " + flag + " needs a value");
      return std::string(argv[++i]);
    };
    if (flag == "--attached") {
      args.attached = true;
      continue;
    }
    if (flag == "--detach") {
      args.detach = true;
      continue;
    }
    if (flag == "--id-on-fd") {
      args.id_on_fd = true;
      continue;
    }
    auto v = value();
    if (!v) return std::move(v.error());
    if (flag == "--data-root") args.data_root = *v;
    else if (flag == "--id") args.id = *v;
    else if (flag == "--image-root") args.image_root = *v;
    else if (flag == "--init") args.init_path = *v;
    else if (flag == "--net") args.net_plugin_path = *v;
    else return Error("minirun-monitor: unknown flag " + flag + " (it is started by `minirun start`, not by hand)");
  }
  if (args.data_root.empty() || (args.id.empty() == !args.id_on_fd))
    return Error("minirun-monitor: --data-root and one of --id and --id-on-fd are required");
  return args;
}

Result<void> receive_monitor_id(MonitorArgs& args) {
  std::string line;
  char buffer[128];
  for (;;) {
    ssize_t n = ::read(kMonitorIdFd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buffer, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos || line.size() > 256) break;
  }
  ::close(kMonitorIdFd);
  const size_t end = line.find('\n');
  if (end == std::string::npos || end == 0) return Error("minirun-monitor: no container id on fd 6 (the engine gave up)");
  args.id = line.substr(0, end);
  return sys::ok();
}

}  // namespace minirun::engine
