/**
 * @file minirun_monitor.cpp
 * @brief `minirun-monitor`: the per-container monitor process (see minirun/engine/monitor.hpp).
 *
 * Not for typing: `minirun start` launches it. A separate, static binary, so that each
 * running container costs a few hundred KiB of memory, not a copy of the whole engine.
 */
#include <unistd.h>

#include <cstdio>

#include "minirun/engine/monitor.hpp"

int main(int argc, char** argv) {
  auto args = minirun::engine::parse_monitor_args(argc, argv);
  if (!args) {
    std::fprintf(stderr, "%s\n", args.error().what().c_str());
    return 2;
  }
  if (args->detach) {
    // The second half of the engine's double fork (engine.cpp, start_locked): the
    // engine waits for this process; the monitor goes on in the child, reparented to
    // init (or the nearest subreaper) once this one exits.
    pid_t child = ::fork();
    if (child < 0) {
      std::perror("minirun-monitor: fork");
      return 1;
    }
    if (child > 0) ::_exit(0);
  }
  // Spawned early (`minirun run`): the process is up while the engine still parses and
  // writes the container; its orders say which one, and none means it is not needed.
  if (args->id_on_fd) {
    if (auto r = minirun::engine::receive_monitor_orders(*args); !r) return 0;
  }
  return minirun::engine::run_monitor(*args);
}
