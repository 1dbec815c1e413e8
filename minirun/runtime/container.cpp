/**
 * @file container.cpp
 * @brief `start`, `state`, `kill`, `delete`, `list`, `ps`, `pause`, `resume` (see container.hpp).
 */
#include "minirun/runtime/container.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/runtime/hooks.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {

using sys::UniqueFd;

Runtime::Runtime(RuntimeOptions options) : options_(std::move(options)), store_(options_.root) {}

Result<std::unique_ptr<Cgroup>> open_container_cgroup(const ContainerState& state) {
  if (state.cgroup_paths.empty()) return std::unique_ptr<Cgroup>();
  auto layout = CgroupLayout::detect();
  if (!layout) return std::move(layout.error());
  return open_cgroup(*layout, state.cgroup_paths);
}

Result<Status> Runtime::status(const ContainerState& state) const {
  if (!init_alive(state)) return Status::stopped;
  if (sys::path_exists(store_.fifo(state.id))) return Status::created;
  if (auto cgroup = open_container_cgroup(state); cgroup && *cgroup) {
    auto frozen = (*cgroup)->frozen();
    if (frozen && *frozen) return Status::paused;
  }
  return Status::running;
}

Result<nlohmann::json> Runtime::state_json(const std::string& id) const {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  auto st = status(*state);
  if (!st) return std::move(st.error());
  nlohmann::json j = {{"ociVersion", state->oci_version},
                      {"id", state->id},
                      {"status", status_name(*st)},
                      {"pid", *st == Status::stopped ? 0 : state->pid},
                      {"bundle", state->bundle},
                      {"rootfs", state->rootfs},
                      {"created", state->created},
                      {"owner", user_name(state->owner_uid)}};
  if (!state->annotations.empty()) j["annotations"] = state->annotations;
  // Not in the OCI state, but what a learner asks after a `137`: was it the OOM killer?
  if (auto cgroup = open_container_cgroup(*state); cgroup && *cgroup) {
    if (auto stats = (*cgroup)->stats()) j["oomKilled"] = stats->oom_kills > 0;
  }
  return j;
}

Result<void> Runtime::start(const std::string& id) {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  auto st = status(*state);
  if (!st) return std::move(st.error());
  if (*st != Status::created) {
    return Error("cannot start container `" + id + "`: it is " + status_name(*st) + ", not created");
  }
  std::vector<Hook> poststart;
  if (state->has_poststart_hooks) {
    auto spec = load_spec(state->bundle);
    if (!spec) return std::move(spec.error()).context("start `" + id + "`: poststart hooks");
    poststart = spec->hooks.poststart;
  }
  return release_init(*state, poststart);
}

Result<void> Runtime::start(CreatedContainer& created) {
  if (created.started) return run_poststart_hooks(created.state, created.hooks.poststart);
  if (!created.start_pipe) return release_init(created.state, created.hooks.poststart);
  if (::write(created.start_pipe.get(), "0", 1) != 1) {
    return Error::from_errno("write", "start pipe").context("start `" + created.state.id + "`");
  }
  created.start_pipe.reset();
  return run_poststart_hooks(created.state, created.hooks.poststart);
}

Result<void> Runtime::release_init(const ContainerState& state, const std::vector<Hook>& poststart) {
  std::string fifo = store_.fifo(state.id);
  // O_NONBLOCK: if the init is not reading (it died), open fails with ENXIO instead
  // of blocking forever.
  UniqueFd fd(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return Error::from_errno("open", fifo).context("start `" + state.id + "`");
  if (::write(fd.get(), "0", 1) != 1) return Error::from_errno("write", fifo).context("start `" + state.id + "`");
  ::unlink(fifo.c_str());
  return run_poststart_hooks(state, poststart);
}

Result<void> Runtime::run_poststart_hooks(const ContainerState& state, const std::vector<Hook>& poststart) {
  if (!poststart.empty()) {
    auto j = state_json(state.id);
    // A failing poststart hook is a warning: the container is already running (OCI).
    if (auto r = run_hooks(poststart, j ? j->dump() : "{}", "poststart"); !r) {
      std::fprintf(stderr, "minirun-oci: warning: %s\n", r.error().what().c_str());
    }
  }
  return sys::ok();
}

Result<void> Runtime::kill(const std::string& id, int signal, bool all) {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  if (!init_alive(*state)) return Error("cannot kill container `" + id + "`: it is not running");
  if (all) {
    auto pids = processes(id);
    if (!pids) return std::move(pids.error());
    for (pid_t pid : *pids) {
      if (auto fd = sys::open_pidfd(pid)) (void)sys::send_signal(fd->get(), signal);
    }
    return sys::ok();
  }
  auto pidfd = sys::open_pidfd(state->pid);
  if (!pidfd) return std::move(pidfd.error()).context("kill `" + id + "`");
  // The pidfd was opened after the liveness check: confirm it is still the same process.
  if (!init_alive(*state)) return Error("cannot kill container `" + id + "`: it is not running");
  return sys::send_signal(pidfd->get(), signal);
}

/// Waits until the process behind `pidfd` has exited (pidfds poll readable on exit).
static bool wait_for_exit(int pidfd, int timeout_ms) {
  struct pollfd p = {pidfd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

Result<void> Runtime::remove(const std::string& id, bool force) {
  auto state = store_.load(id);
  if (!state) {
    // Not a second old, the directory may be a `create` still at work (it saves the
    // state a millisecond after reserving the id), not one that was killed.
    struct stat dir{};
    const bool aborted = state.error().code() == ENOENT && ::lstat(store_.dir(id).c_str(), &dir) == 0 &&
                         S_ISDIR(dir.st_mode) && ::time(nullptr) - dir.st_ctim.tv_sec >= 1;
    if (aborted) return remove_aborted(id);
    return std::move(state.error());
  }
  auto st = status(*state);
  if (!st) return std::move(st.error());
  if ((*st == Status::running || *st == Status::paused) && !force) {
    return Error("cannot delete container `" + id + "` that is " + status_name(*st) +
                 ": stop it first (minirun-oci kill " + id + " KILL) or use --force");
  }
  auto opened = open_container_cgroup(*state);
  if (!opened) return std::move(opened.error());
  std::unique_ptr<Cgroup> cgroup = std::move(*opened);
  if (*st != Status::stopped) {
    auto pidfd = sys::open_pidfd(state->pid);
    if (pidfd && init_alive(*state)) {
      if (*st == Status::paused && cgroup) (void)cgroup->thaw();
      (void)sys::send_signal(pidfd->get(), SIGKILL);
      if (!wait_for_exit(pidfd->get(), 5000)) return Error("delete `" + id + "`: the init did not die after SIGKILL");
    }
  }
  std::vector<Hook> poststop;
  if (state->has_poststop_hooks) {
    if (auto spec = load_spec(state->bundle)) poststop = spec->hooks.poststop;
    else std::fprintf(stderr, "minirun-oci: warning: poststop hooks not run: %s\n", spec.error().what().c_str());
  }
  return tear_down(*state, cgroup.get(), poststop);
}

Result<void> Runtime::remove(CreatedContainer& created) {
  // Something still in the cgroup (the init was not waited for, or left children):
  // frozen processes cannot die of the SIGKILL tear_down sends, so thaw first.
  if (created.cgroup) {
    if (auto pids = created.cgroup->processes(); pids && !pids->empty()) (void)created.cgroup->thaw();
  }
  return tear_down(created.state, created.cgroup.get(), created.hooks.poststop);
}

Result<void> Runtime::tear_down(const ContainerState& state, Cgroup* cgroup, const std::vector<Hook>& poststop) {
  if (cgroup) {
    // Without a pid namespace, the init's children outlive it: kill what is left.
    if (auto pids = cgroup->processes()) {
      for (pid_t pid : *pids)
        if (auto fd = sys::open_pidfd(pid)) {
          (void)sys::send_signal(fd->get(), SIGKILL);
          wait_for_exit(fd->get(), 1000);
        }
    }
    MINIRUN_TRY(cgroup->destroy(), "delete `" + state.id + "`");
  }
  if (options_.defer_state_removal) {
    auto retired = store_.retire(state.id);
    if (!retired) return std::move(retired.error()).context("delete `" + state.id + "`");
    retired_.push_back(std::move(*retired));
  } else {
    MINIRUN_TRY(store_.remove(state.id), "delete `" + state.id + "`");
  }
  if (!poststop.empty()) {
    nlohmann::json j = {{"ociVersion", state.oci_version}, {"id", state.id}, {"status", "stopped"},
                        {"pid", 0}, {"bundle", state.bundle}};
    // Also a warning only (OCI: the runtime logs it and carries on).
    if (auto r = run_hooks(poststop, j.dump(), "poststop"); !r) {
      std::fprintf(stderr, "minirun-oci: warning: %s\n", r.error().what().c_str());
    }
  }
  return sys::ok();
}

Result<void> Runtime::remove_aborted(const std::string& id) {
  // The config that may have placed the cgroup elsewhere is not known any more; the
  // default place is tried. rmdir(2) of a cgroup that still has a process fails (EBUSY),
  // so nothing that runs is ever removed here.
  if (auto layout = CgroupLayout::detect()) {
    if (auto planned = make_cgroup(*layout, "", id)) {
      std::vector<std::string> existing;
      for (const auto& path : (*planned)->paths())
        if (sys::path_exists(path)) existing.push_back(path);
      if (!existing.empty()) {
        auto opened = open_cgroup(*layout, existing);
        if (!opened) return std::move(opened.error()).context("delete `" + id + "`");
        MINIRUN_TRY((*opened)->destroy(), "delete `" + id + "` (what an interrupted create left)");
      }
    }
  }
  if (options_.defer_state_removal) {
    auto retired = store_.retire(id);
    if (!retired) return std::move(retired.error()).context("delete `" + id + "`");
    retired_.push_back(std::move(*retired));
    return sys::ok();
  }
  return store_.remove(id);
}

std::vector<ContainerSummary> Runtime::list() const {
  std::vector<ContainerSummary> out;
  for (const auto& id : store_.ids()) {
    auto state = store_.load(id);
    if (!state) continue;  // a half-written directory of a `create` in progress
    auto st = status(*state);
    out.push_back({*state, st ? *st : Status::stopped});
  }
  return out;
}

Result<std::vector<pid_t>> Runtime::processes(const std::string& id) const {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  auto cgroup = open_container_cgroup(*state);
  if (!cgroup) return std::move(cgroup.error());
  if (!*cgroup) return std::vector<pid_t>{};
  return (*cgroup)->processes();
}

Result<void> Runtime::pause(const std::string& id) {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  auto st = status(*state);
  if (!st) return std::move(st.error());
  if (*st != Status::running) return Error("cannot pause container `" + id + "`: it is " + status_name(*st));
  auto cgroup = open_container_cgroup(*state);
  if (!cgroup) return std::move(cgroup.error());
  if (!*cgroup) return Error("cannot pause container `" + id + "`: it has no cgroup");
  return (*cgroup)->freeze();
}

Result<void> Runtime::resume(const std::string& id) {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  auto st = status(*state);
  if (!st) return std::move(st.error());
  if (*st != Status::paused) return Error("cannot resume container `" + id + "`: it is " + status_name(*st));
  auto cgroup = open_container_cgroup(*state);
  if (!cgroup) return std::move(cgroup.error());
  if (!*cgroup) return Error("cannot resume container `" + id + "`: it has no cgroup");
  return (*cgroup)->thaw();
}

Result<int> parse_signal(const std::string& text) {
  if (text.empty()) return Error("empty signal");
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    int n = std::atoi(text.c_str());
    if (n <= 0 || n >= NSIG) return Error("invalid signal number `" + text + "`");
    return n;
  }
  std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = ::sigabbrev_np(n);
    if (abbrev && name == abbrev) return n;
  }
  return Error("unknown signal `" + text + "` (try TERM, KILL, HUP, INT, USR1 or a number)");
}

}  // namespace minirun::runtime
