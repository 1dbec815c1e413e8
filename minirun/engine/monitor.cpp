/**
 * @file monitor.cpp
 * @brief The monitor's loop: copy output, probe health, reap, restart, remove a --rm
 *        container; see monitor.hpp (the container's start is monitor_start.cpp, the
 *        object both work on supervisor.hpp).
 *
 * Memory matters here (one monitor per container, target under 2 MiB resident): the
 * loop uses one 16 KiB buffer on the stack, reads the two small JSON files once, and
 * keeps nothing else that grows.
 */
#include "minirun/engine/monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "minirun/engine/bundle_writer.hpp"
#include "minirun/engine/container_network.hpp"
#include "minirun/engine/container_store.hpp"
#include "minirun/engine/engine.hpp"
#include "minirun/engine/json_log.hpp"
#include "minirun/engine/monitor_memory.hpp"
#include "minirun/engine/monitor_probe.hpp"
#include "minirun/engine/restart_policy.hpp"
#include "minirun/engine/supervisor.hpp"
#include "minirun/runtime/cgroup.hpp"
#include "minirun/runtime/container.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

using sys::UniqueFd;

namespace {

/// Writes a whole line to the status channel; a closed channel (the client is gone) is fine.
void tell(int fd, const std::string& line) {
  if (fd < 0) return;
  std::string text = line + "\n";
  (void)!::write(fd, text.data(), text.size());
}

/// Points our stdout and stderr (until now /dev/null, as spawned) at monitor.log; called
/// once, at the first start or on the error that ends the monitor before it. Not first
/// thing: on this kind of disk a new file costs 50-200 us, and before the container has
/// started every error also goes to the client (the status channel) and into state.json.
void open_monitor_log(const ContainerStore& store, const std::string& id) {
  if (auto log = sys::open_file(store.dir(id) + "/monitor.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600); log) {
    ::dup2(log->get(), 1);
    ::dup2(log->get(), 2);
  }
}

/// Copies `data` to an attached terminal or pipe; gives up on that fd when it fails.
void forward(int& fd, const char* data, size_t size) {
  while (fd >= 0 && size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fd = -1;  // the client went away: keep logging, stop forwarding
      return;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

bool Supervisor::stop_requested() {
  auto state = store_.load_state(config_.id);
  return state && state->stop_requested;
}

void Supervisor::pump(int& fd, const char* stream) {
  char buffer[16384];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {  // EOF (or EIO on a pty whose last writer is gone)
    if (fd == out_.get()) out_.reset();
    else if (fd == err_.get()) err_.reset();
    else if (fd == master_.get()) master_.reset();
    fd = -1;
    return;
  }
  if (log_) (void)log_->write(stream, std::string_view(buffer, static_cast<size_t>(n)));
  forward(std::string_view(stream) == "stderr" ? stderr_fd_ : stdout_fd_, buffer, static_cast<size_t>(n));
}

void Supervisor::start_probe() {
  probe_ = start_health_probe(runtime_, store_, config_, bundle_, monotonic_ns() + config_.healthcheck.timeout_ns);
}

void Supervisor::finish_probe(bool timed_out) {
  int code = -1;
  if (timed_out) {
    // Kill the probe's command in the container first (its pid is in health.pid), then
    // the exec process that waits for it.
    if (auto pid = sys::read_file(store_.dir(config_.id) + "/health.pid"); pid) {
      pid_t target = static_cast<pid_t>(std::atoi(pid->c_str()));
      if (target > 1) ::kill(target, SIGKILL);
    }
    ::kill(probe_.pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(probe_.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!timed_out) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::unlink((store_.dir(config_.id) + "/health.pid").c_str());
  HealthProbe result{probe_.start, now_rfc3339(), code, probe_.captured};
  if (timed_out)
    result.output = "Health check exceeded timeout (" +
                    std::to_string(config_.healthcheck.timeout_ns / 1'000'000'000) + "s)";
  const bool in_start_period = monotonic_ns() - started_ns_ < config_.healthcheck.start_period_ns;
  record_probe(health_, config_.healthcheck, result, in_start_period);
  const HealthState snapshot = health_;
  (void)store_.update_state(config_.id, [&](ContainerState& s) { s.health = snapshot; });
  probe_.pid = -1;
  probe_.output.reset();
  next_probe_ns_ = monotonic_ns() + next_probe_delay(health_, config_.healthcheck, in_start_period);
  release_startup_pages();  // recording the probe ran code the loop does not need again
}

Result<sys::ExitStatus> Supervisor::supervise() {
  int out = out_.get(), err = err_.get(), master = master_.get();
  int input = (config_.tty && args_.attached && config_.open_stdin) ? 0 : -1;
  const bool health = config_.healthcheck.enabled();
  // The first probe: after start_interval when there is a start period, else after interval.
  if (health)
    next_probe_ns_ = monotonic_ns() + next_probe_delay(health_, config_.healthcheck, config_.healthcheck.start_period_ns > 0);
  // The start-up code pages go once the container has run for a moment
  // (release_startup_pages: ~0.1 ms of reading /proc/self/maps and madvise): a short
  // program (`run --rm true`) has exited by then, and its monitor is about to exit too.
  int64_t release_pages_ns = monotonic_ns() + 20'000'000;
  for (;;) {
    pollfd fds[8];
    int n = 0;
    fds[n++] = {created_->init.pidfd(), POLLIN, 0};
    const int pipes_at = n;
    fds[n++] = {master >= 0 ? master : out, POLLIN, 0};
    fds[n++] = {err, POLLIN, 0};
    fds[n++] = {input, POLLIN, 0};
    fds[n++] = {probe_.output ? probe_.output.get() : -1, POLLIN, 0};
    const int dns_at = n;
    fds[n++] = {dns_ ? dns_->fd() : -1, POLLIN, 0};
    fds[n++] = {dns_ ? dns_->upstream_fd() : -1, POLLIN, 0};
    int timeout_ms = -1;
    if (health) {
      const int64_t due = probe_.pid > 0 ? probe_.deadline_ns : next_probe_ns_;
      timeout_ms = static_cast<int>(std::max<int64_t>(0, (due - monotonic_ns()) / 1'000'000 + 1));
    }
    if (dns_ && dns_->next_timeout_ms() >= 0 && (timeout_ms < 0 || dns_->next_timeout_ms() < timeout_ms))
      timeout_ms = dns_->next_timeout_ms();
    if (release_pages_ns > 0) {
      const int until = static_cast<int>(std::max<int64_t>(0, (release_pages_ns - monotonic_ns()) / 1'000'000 + 1));
      if (timeout_ms < 0 || until < timeout_ms) timeout_ms = until;
    }
    if (::poll(fds, n, timeout_ms) < 0 && errno != EINTR) return Error::from_errno("poll");
    if (release_pages_ns > 0 && monotonic_ns() >= release_pages_ns) {
      release_startup_pages();
      release_pages_ns = 0;
    }
    if (dns_) {
      if (fds[dns_at].revents) dns_->on_readable();
      if (fds[dns_at + 1].revents) dns_->on_upstream_readable();
      dns_->expire_pending();
    }
    if (fds[pipes_at].revents) pump(master >= 0 ? master : out, "stdout");
    if (fds[pipes_at + 1].revents) pump(err, "stderr");
    if (fds[pipes_at + 2].revents) {
      char buffer[4096];
      ssize_t got = ::read(input, buffer, sizeof buffer);
      if (got > 0 && master >= 0) forward(master, buffer, static_cast<size_t>(got));
      if (got <= 0) input = -1;
    }
    if (fds[pipes_at + 3].revents) {
      char buffer[4096];
      ssize_t got = ::read(probe_.output.get(), buffer, sizeof buffer);
      if (got > 0 && probe_.captured.size() < 4096) probe_.captured.append(buffer, static_cast<size_t>(got));
      if (got <= 0) finish_probe(false);
    }
    if (health && probe_.pid > 0 && monotonic_ns() >= probe_.deadline_ns) finish_probe(true);
    if (health && probe_.pid < 0 && monotonic_ns() >= next_probe_ns_) start_probe();
    if (fds[0].revents) return created_->init.wait();
  }
}

bool Supervisor::finish_container() {
  bool oom = false;
  if (created_->cgroup) {
    if (auto kills = created_->cgroup->oom_kills(); kills) oom = *kills > 0;
  }
  // Deleting the runtime container kills what is left in its cgroup, so the output
  // pipes reach EOF and the drain below ends. The runtime works from what its create()
  // handed back: no state file or cgroup layout to read again. Its state directory is
  // only renamed out of the way (the id is free again at once) and deleted once the
  // client has been let go (delete_leftovers, RuntimeOptions::defer_state_removal).
  if (auto r = runtime_.remove(*created_); !r)
    std::fprintf(stderr, "minirun-monitor: delete %s: %s\n", config_.id.c_str(), r.error().what().c_str());
  if (probe_.pid > 0) finish_probe(true);
  int out = out_.get(), err = err_.get(), master = master_.get();
  for (int* fd : {&out, &err, &master}) {
    if (*fd < 0) continue;
    ::fcntl(*fd, F_SETFL, ::fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
    while (*fd >= 0) pump(*fd, fd == &err ? "stderr" : "stdout");
  }
  out_.reset();
  err_.reset();
  master_.reset();
  if (log_) (void)log_->flush();
  created_.reset();
  // The DNS server's socket holds the namespace alive; closed, the namespace dies and
  // the kernel removes the veth pairs with it, in its own time (the netns cleanup
  // work). Deleting them here instead made every exit wait ~20 ms for the kernel's RCU
  // grace periods; attach_networks() clears a pair that is still going away.
  dns_.reset();
  // Docker's rule: a container's name resolves while it runs.
  withdraw_container_names(network::NetworkStore(args_.data_root, network::NetPlugin(args_.net_plugin_path)), config_);
  return oom;
}

void Supervisor::record_exit(int code, bool oom, const std::string& error) {
  (void)store_.update_state(config_.id, [&](ContainerState& s) {
    s.status = ContainerStatus::exited;
    s.pid = 0;
    s.exit_code = code;
    s.oom_killed = oom;
    s.error = error;
    s.finished_at = now_rfc3339();
  });
}

void Supervisor::unmount_rootfs() {
  if (auto r = engine::unmount_rootfs(store_, config_.id); !r)
    std::fprintf(stderr, "minirun-monitor: %s\n", r.error().what().c_str());
}

void Supervisor::delete_leftovers() {
  for (auto& path : runtime_.take_retired()) leftovers_.push_back(std::move(path));
  for (const auto& path : leftovers_) {
    if (auto deleted = sys::remove_tree(path); !deleted)
      std::fprintf(stderr, "minirun-monitor: %s (`minirun system prune` retries)\n", deleted.error().what().c_str());
  }
  leftovers_.clear();
}

int Supervisor::run() {
  int64_t delay_ns = 0;
  int exit_code = 0;
  bool first_start_failed = false;
  for (bool first = true;; first = false) {
    auto started = start_container();
    if (first) {
      // The two logs are made while the container's first process sets itself up and
      // runs (its output waits in the pipes until supervise() reads it), not before.
      open_monitor_log(store_, config_.id);
      auto log = JsonLogWriter::open(store_.log_path(config_.id), config_.log);
      if (log) log_.emplace(std::move(*log));
      else std::fprintf(stderr, "minirun-monitor: %s\n", log.error().what().c_str());
    }
    if (!started) {
      const std::string message = started.error().what();
      std::fprintf(stderr, "minirun-monitor: start: %s\n", message.c_str());
      // Docker's codes: 127 when the command does not exist, 126 when it cannot run.
      // The runtime passes the child's error across as text, so the errno is read from it.
      const bool not_found = started.error().code() == ENOENT || message.find(std::strerror(ENOENT)) != std::string::npos;
      exit_code = not_found ? 127 : 126;
      record_exit(exit_code, false, message);
      if (first) {
        // The `minirun start` that spawned us reports this error and, with --rm,
        // removes the container itself: removing it here as well would race with it.
        tell(status_fd_, "error " + message);
        first_start_failed = true;
        break;
      }
    } else {
      const pid_t pid = created_->init.pid();
      if (first) {
        // The runtime had the config in memory; the file is for `exec` and `inspect`,
        // written while the program already runs, and before the state says "running"
        // (exec reads it only from a running container). A --rm container whose program
        // has exited already (a `true`) is never exec'd into or inspected again: its
        // ~16 KB of JSON would be written only to be deleted.
        pollfd exit{created_->init.pidfd(), POLLIN, 0};
        const bool exited = config_.auto_remove && ::poll(&exit, 1, 0) == 1;
        if (!exited) {
          if (auto saved = save_bundle_config(store_, config_.id, bundle_); !saved)
            std::fprintf(stderr, "minirun-monitor: %s\n", saved.error().what().c_str());
        }
      }
      if (config_.healthcheck.enabled()) health_ = HealthState{};
      auto state = store_.update_state(config_.id, [&](ContainerState& s) {
        s.status = ContainerStatus::running;
        s.pid = pid;
        s.started_at = now_rfc3339();
        s.error.clear();
        if (config_.healthcheck.enabled()) s.health = health_;
        else s.health.reset();
      });
      if (first) {
        tell(status_fd_, "started " + std::to_string(pid));
        if (!args_.attached) {
          ::close(status_fd_);
          status_fd_ = -1;
        }
      }
      auto status = supervise();
      const bool oom = finish_container();
      exit_code = status ? status->code : 255;
      record_exit(exit_code, oom, status ? "" : status.error().what());
    }
    auto state = store_.load_state(config_.id);
    const bool stopped = state && state->stop_requested;
    const int restarts = state ? state->restart_count : 0;
    RestartDecision decision = decide_restart(config_.restart, exit_code, stopped, restarts);
    if (!decision.restart) break;
    delete_leftovers();  // nobody waits on a restart
    const int64_t ran_for = started ? monotonic_ns() - started_ns_ : 0;
    delay_ns = restart_delay_ns(delay_ns, ran_for);
    (void)store_.update_state(config_.id, [&](ContainerState& s) {
      s.status = ContainerStatus::restarting;
      s.restart_count += 1;
    });
    std::fprintf(stderr, "minirun-monitor: restarting in %lld ms (%s)\n", static_cast<long long>(delay_ns / 1'000'000),
                 decision.reason.c_str());
    // Sleep in small steps so that a `stop` during the back-off is seen at once.
    bool cancelled = false;
    for (int64_t slept = 0; slept < delay_ns && !cancelled; slept += 50'000'000) {
      ::usleep(50'000);
      cancelled = stop_requested();
    }
    if (cancelled) {
      (void)store_.update_state(config_.id, [&](ContainerState& s) { s.status = ContainerStatus::exited; });
      break;
    }
  }
  unmount_rootfs();
  unpublish();
  (void)store_.update_state(config_.id, [&](ContainerState& s) {
    s.monitor_pid = 0;
    s.monitor_start_time = 0;
  });
  if (args_.attached) tell(status_fd_, "exit " + std::to_string(exit_code));
  if (config_.auto_remove && !first_start_failed) {
    // --rm: remove the container here (container_removal.cpp). The status channel stays
    // open until then, so an attached `run --rm` returns only once the container is gone:
    // not listed, its name free, no mount, cgroup or process left. Only its files wait
    // in the trash, to be deleted once the channel is closed (ContainerStore::retire).
    EngineOptions options;
    options.data_root = args_.data_root;
    options.image_root = args_.image_root;
    options.init_path = args_.init_path;
    options.net_plugin_path = args_.net_plugin_path;
    // The config this monitor read at its start, unless `network connect/disconnect`
    // has rewritten config.json since (a new file, so another inode or time): then the
    // file's, whose networks are the ones to take down.
    ContainerConfig current = config_;
    if (!sys::same_file(store_.dir(config_.id) + "/config.json", config_stat_)) {
      if (auto reloaded = store_.load_config(config_.id)) current = std::move(*reloaded);
    }
    auto removed = Engine(options).remove_and_keep_files(current, false, true);
    if (!removed) std::fprintf(stderr, "minirun-monitor: --rm: %s\n", removed.error().what().c_str());
    else leftovers_.push_back(*removed);
  }
  // The client waits for EOF on these (the channel; its stdout and stderr, in a shell's
  // `$(...)` or a pipe): close them first, then delete what can wait.
  for (int* fd : {&status_fd_, &stdout_fd_, &stderr_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  delete_leftovers();
  return 0;
}

int run_monitor(const MonitorArgs& args) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ContainerStore store(args.data_root);
  // Our own messages go to monitor.log (fd 1 is not used by the monitor itself), from
  // the container's first start on (open_monitor_log); an error before it goes to the
  // client and into state.json, and to monitor.log as well.
  // Its stat first: a rewrite after it shows at the end as a different file (--rm).
  struct stat config_stat{};
  (void)::stat((store.dir(args.id) + "/config.json").c_str(), &config_stat);
  auto config = store.load_config(args.id);
  if (!config) {
    open_monitor_log(store, args.id);
    std::fprintf(stderr, "minirun-monitor: %s\n", config.error().what().c_str());
    tell(kMonitorStatusFd, "error " + config.error().what());
    return 1;
  }
  // The monitor owns the rootfs mount for the container's whole run (restarts included).
  auto bundle = write_bundle(store, *config, args.init_path);
  if (!bundle) {
    const std::string message = bundle.error().what();
    (void)store.update_state(args.id, [&](ContainerState& s) {
      s.status = ContainerStatus::exited;
      s.exit_code = 125;
      s.error = message;
      s.finished_at = now_rfc3339();
    });
    open_monitor_log(store, args.id);
    std::fprintf(stderr, "minirun-monitor: %s\n", message.c_str());
    tell(kMonitorStatusFd, "error " + message);
    return 1;
  }
  auto self = sys::process_start_time(::getpid());
  (void)store.update_state(args.id, [&](ContainerState& s) {
    s.monitor_pid = ::getpid();
    s.monitor_start_time = self ? *self : 0;
    s.stop_requested = false;
  });
  Supervisor supervisor(args, std::move(*config), config_stat, std::move(*bundle));
  return supervisor.run();
}

}  // namespace minirun::engine
