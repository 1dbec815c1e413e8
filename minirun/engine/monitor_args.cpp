/**
 * @file monitor_args.cpp
 * @brief The monitor's command line, as `minirun start` writes it; see monitor.hpp.
 *
 * Nobody types it: Engine::start (engine.cpp) spawns minirun-monitor with these flags,
 * so an unknown flag is a mismatch between two builds, and the error says so.
 * Lab: labs/01-image-and-container.
 */
#include "minirun/engine/monitor.hpp"

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
    auto v = value();
    if (!v) return std::move(v.error());
    if (flag == "--data-root") args.data_root = *v;
    else if (flag == "--id") args.id = *v;
    else if (flag == "--image-root") args.image_root = *v;
    else if (flag == "--init") args.init_path = *v;
    else if (flag == "--net") args.net_plugin_path = *v;
    else return Error("minirun-monitor: unknown flag " + flag + " (it is started by `minirun start`, not by hand)");
  }
  if (args.data_root.empty() || args.id.empty()) return Error("minirun-monitor: --data-root and --id are required");
  return args;
}

}  // namespace minirun::engine
