/**
 * @file monitor_args.cpp
 * @brief The monitor's command line, as `minirun start` writes it; see monitor.hpp.
 *
 * Nobody types it: Engine::start (engine.cpp) spawns minirun-monitor with these flags,
 * so an unknown flag is a mismatch between two builds, and the error says so.
 * Lab: labs/01-image-and-container.
 */
#include "minirun/engine/monitor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

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
  // --id-on-fd: the orders bring the id and the data root (a --data-root here is what
  // the spawning command named before it parsed its flags: `ps` shows it meanwhile).
  if (args.id_on_fd ? !args.id.empty() : (args.data_root.empty() || args.id.empty()))
    return Error("minirun-monitor: --data-root and --id, or --id-on-fd without --id, are required");
  return args;
}

std::string MonitorOrders::to_line() const {
  nlohmann::json j = {{"id", id},
                      {"data_root", data_root},
                      {"image_root", image_root},
                      {"init", init_path},
                      {"net", net_plugin_path},
                      {"attached", attached},
                      {"stdin", keep_stdin}};
  return j.dump() + "\n";  // dump() escapes any newline inside a path: one line
}

Result<MonitorOrders> MonitorOrders::parse(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error("minirun-monitor: the orders on fd 6 are not a JSON object");
  MonitorOrders o;
  try {
    o.id = j.at("id").get<std::string>();
    o.data_root = j.at("data_root").get<std::string>();
    o.image_root = j.value("image_root", std::string());
    o.init_path = j.value("init", std::string());
    o.net_plugin_path = j.value("net", std::string());
    o.attached = j.value("attached", false);
    o.keep_stdin = j.value("stdin", false);
  } catch (const nlohmann::json::exception& e) {
    return Error(std::string("minirun-monitor: the orders on fd 6: ") + e.what());
  }
  if (o.id.empty() || o.data_root.empty()) return Error("minirun-monitor: the orders on fd 6 lack id or data_root");
  return o;
}

Result<void> receive_monitor_orders(MonitorArgs& args) {
  std::string line;
  char buffer[1024];
  for (;;) {
    ssize_t n = ::read(kMonitorIdFd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buffer, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos || line.size() > 64 * 1024) break;
  }
  ::close(kMonitorIdFd);
  const size_t end = line.find('\n');
  if (end == std::string::npos || end == 0) return Error("minirun-monitor: no orders on fd 6 (the engine gave up)");
  auto orders = MonitorOrders::parse(line.substr(0, end));
  if (!orders) return std::move(orders.error());
  args.id = orders->id;
  args.data_root = orders->data_root;
  args.image_root = orders->image_root;
  args.init_path = orders->init_path;
  args.net_plugin_path = orders->net_plugin_path;
  args.attached = orders->attached;
  // We were given our client's stdin, stdout and stderr before it knew what it wanted:
  // let go of what is not ours, so that, say, `id=$(minirun run -d ...)` sees EOF.
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return Error::from_errno("open", "/dev/null");
  if (!orders->keep_stdin) ::dup2(null_fd, 0);
  if (!orders->attached) {
    ::dup2(null_fd, kMonitorStdoutFd);
    ::dup2(null_fd, kMonitorStderrFd);
  }
  ::close(null_fd);
  return sys::ok();
}

}  // namespace minirun::engine
