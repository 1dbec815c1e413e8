/**
 * @file container_run.cpp
 * @brief `run`: create + start, then (in the foreground) wait, forward signals, delete.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/runtime/console.hpp"
#include "minirun/runtime/container.hpp"
#include "minirun/runtime/explain.hpp"
#include "minirun/runtime/foreground.hpp"

namespace minirun::runtime {

using sys::UniqueFd;

Result<int> Runtime::run(const CreateOptions& options, bool detach) {
  CreateOptions create_options = options;
  create_options.start_through_pipe = true;
  create_options.start_immediately = true;
  // A foreground container with `terminal: true` gets a pty whose master comes back to
  // us over this socketpair; we then relay between it and our own terminal.
  UniqueFd console_ours, console_theirs;
  if (!detach && options.console_socket.empty()) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return Error::from_errno("socketpair");
    console_ours.reset(fds[0]);
    console_theirs.reset(fds[1]);
    create_options.console_fd = console_theirs.get();
  }
  std::optional<ForwardedSignals> signals;
  if (!detach) signals.emplace();

  auto created = create(create_options);
  if (!created) return std::move(created.error());
  console_theirs.reset();
  if (auto r = start(*created); !r) {
    (void)remove(options.id, true);
    return std::move(r.error());
  }
  if (detach) {
    created->init.release();
    return 0;
  }
  UniqueFd master;
  if (created->terminal) {
    auto fd = receive_fd(console_ours.get());
    if (!fd) {
      (void)remove(options.id, true);
      return std::move(fd.error());
    }
    master = std::move(*fd);
  }
  auto exit = wait_in_foreground(created->init, *signals, master.get());
  // The init is reaped; what is left is what `delete` would do, without re-reading it.
  Explainer explain(options_.explain, STDERR_FILENO);
  explain.begin();
  MINIRUN_TRY(tear_down(created->state, created->cgroup.get(), created->hooks.poststop), "run");
  explain.end(Step::tear_down);
  if (!exit) return std::move(exit.error());
  return exit->code;
}

}  // namespace minirun::runtime
