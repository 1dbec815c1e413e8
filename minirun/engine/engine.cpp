/**
 * @file engine.cpp
 * @brief start (spawning the monitor), stop, kill, pause, wait, list, inspect; see engine.hpp.
 *
 * `create` reads the image store, so it lives in image_lifecycle.cpp (the image-store half
 * of the engine); `remove` in container_removal.cpp.
 */
#include "minirun/engine/engine.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "minirun/engine/bundle_writer.hpp"
#include "minirun/engine/container_network.hpp"
#include "minirun/engine/monitor.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/process.hpp"

namespace minirun::engine {

std::string executable_dir() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

namespace {

/// The helper programs default to the ones built next to this executable.
EngineOptions with_defaults(EngineOptions options) {
  const std::string dir = executable_dir();
  if (options.monitor_path.empty()) options.monitor_path = dir + "/minirun-monitor";
  if (options.init_path.empty()) options.init_path = dir + "/minirun-init";
  if (options.net_plugin_path.empty()) options.net_plugin_path = dir + "/minirun-net";
  return options;
}

}  // namespace

Engine::Engine(EngineOptions options)
    : options_(with_defaults(std::move(options))),
      store_(options_.data_root),
      networks_(options_.data_root, network::NetPlugin(options_.net_plugin_path)) {}

runtime::Runtime Engine::runtime() const { return runtime::Runtime({.root = store_.runtime_root()}); }

namespace {

bool supervised(ContainerStatus s) {
  return s == ContainerStatus::running || s == ContainerStatus::paused || s == ContainerStatus::restarting;
}

/// Reads one "\n"-terminated line from the monitor's status channel ("" at EOF).
std::string read_line(int fd) {
  std::string line;
  char c;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

}  // namespace

EarlyMonitor::~EarlyMonitor() {
  // Closing the socket unused tells the monitor to exit; it is reaped so that it does
  // not stay a zombie. (Once it has its id it is left alone: see start_locked.)
  go_.reset();
  while (spawned_ > 0 && ::waitpid(spawned_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

Result<void> Engine::start(const std::string& id_or_name, const Attach* attach) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto config = store_.load_config(*id);
  if (!config) return std::move(config.error());
  return start_claimed(*config, attach, nullptr);
}

Result<void> Engine::start(const ContainerConfig& created, const Attach* attach, EarlyMonitor early) {
  return start_claimed(created, attach, &early);
}

Result<void> Engine::start_claimed(const ContainerConfig& config, const Attach* attach, EarlyMonitor* early) {
  // Claim the start under the lock: the claim is our pid as the "monitor" until the real
  // monitor writes its own. A second `start` meanwhile sees a live monitor and backs
  // off; if we die before the monitor runs, the claim names a dead process and expires.
  // The lock is not held while the monitor starts: the monitor needs it to write state.
  std::optional<Error> refused;
  bool clean_up = false;
  // Born claimed by this very process a moment ago (create() with claim_start): no other
  // start can have come between, so there is nothing to read, check or write.
  const bool born_claimed = !born_claimed_.empty() && born_claimed_ == config.id;
  born_claimed_.clear();
  if (!born_claimed) {
    auto claimed = store_.update_state(config.id, [&](ContainerState& s) {
      const ContainerState now = observe(s);
      // Claimed by this very process already (CreateRequest::claim_start): nothing to write.
      auto self = sys::process_start_time(::getpid());
      if (now.monitor_pid == ::getpid() && self && now.monitor_start_time == *self) return;
      if (monitor_alive(now)) {
        refused = Error(attach ? "container " + config.name + " is already running; use `minirun logs -f` to follow it"
                               : std::string());
        return;
      }
      if (now.monitor_lost && now.status != ContainerStatus::dead) {
        refused = Error("container " + config.name + " runs without its monitor; `minirun rm -f " + config.name + "` it");
        return;
      }
      clean_up = now.monitor_lost;
      s.monitor_pid = ::getpid();
      s.monitor_start_time = self ? *self : 0;
    });
    if (!claimed) return std::move(claimed.error());
  }
  if (refused) {
    if (refused->message().empty()) return sys::ok();  // Docker: starting a running container is not an error
    return std::move(*refused);
  }
  if (clean_up) MINIRUN_TRY(clean_up_unsupervised(config), "start");
  auto started = prepare_network(config);
  if (started) started = start_locked(config, attach, early);
  if (!started) {
    (void)unpublish_recorded(config.id);
    (void)store_.update_state(config.id, [](ContainerState& s) {
      if (s.monitor_pid == ::getpid()) s.monitor_pid = 0;
    });
  }
  return started;
}

Result<void> Engine::prepare_network(const ContainerConfig& config) {
  for (const auto& a : config.networks) {
    auto n = networks_.find(a.network_id);
    if (!n) return Error("network " + a.network + " is gone: `minirun network connect` the container to another one");
    MINIRUN_TRY(networks_.bring_up(*n), "network " + a.network);
  }
  if (network_kind(config.network_mode) == NetworkKind::container) {
    // Another container's namespace: it must be running for there to be one.
    const std::string other = config.network_mode.substr(10);
    auto state = store_.load_state(other);
    if (!state || observe(*state).status != ContainerStatus::running)
      return Error("--network " + config.network_mode + ": that container is not running; start it first");
  }
  auto published = publish_ports(networks_, config);
  if (!published) return std::move(published.error());
  if (published->empty()) return sys::ok();
  auto saved = store_.update_state(config.id, [&](ContainerState& s) { s.published_ports = *published; });
  if (!saved) {
    (void)unpublish_ports(networks_.plugin(), *published);
    return std::move(saved.error());
  }
  return sys::ok();
}

Result<void> Engine::unpublish_recorded(const std::string& id) {
  auto state = store_.load_state(id);
  if (!state || state->published_ports.empty()) return sys::ok();
  MINIRUN_TRY(unpublish_ports(networks_.plugin(), state->published_ports), "unpublish");
  auto saved = store_.update_state(id, [](ContainerState& s) { s.published_ports.clear(); });
  if (!saved) return std::move(saved.error());
  return sys::ok();
}

Result<void> Engine::start_locked(const ContainerConfig& config, const Attach* attach, EarlyMonitor* early) {
  std::optional<EarlyMonitor> spawned;
  // An early monitor holds our fds 0, 1 and 2 (spawn_early_monitor): attached elsewhere,
  // it is let go and a monitor spawned for those fds.
  const bool standard_fds = attach == nullptr || ((attach->stdin_fd == -1 || attach->stdin_fd == 0) &&
                                                  attach->stdout_fd == 1 && attach->stderr_fd == 2);
  if (early == nullptr || early->spawned_ < 0 || !early->go_ || !standard_fds) {
    auto monitor = spawn_monitor(config.id, attach);
    if (!monitor) return std::move(monitor.error());
    spawned.emplace(std::move(*monitor));
    early = &*spawned;
  } else {
    // The early monitor has been starting meanwhile; now it learns its orders.
    MonitorOrders orders;
    orders.id = config.id;
    orders.data_root = options_.data_root;
    orders.image_root = options_.image_root;
    orders.init_path = options_.init_path;
    orders.net_plugin_path = options_.net_plugin_path;
    orders.attached = attach != nullptr;
    orders.keep_stdin = attach != nullptr && attach->stdin_fd >= 0;
    const std::string line = orders.to_line();
    if (::send(early->go_.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
      return Error::from_errno("send", "the early monitor's channel").context("start " + config.name);
    early->go_.reset();
  }
  if (early->detaches_) {
    int wstatus = 0;
    while (::waitpid(early->spawned_, &wstatus, 0) < 0 && errno == EINTR) {
    }
  }
  // An early monitor is our own child and stays so until this short-lived command exits
  // and it is reparented (spawn_early_monitor); there is nobody to wait for now.
  early->spawned_ = -1;
  const std::string line = read_line(early->status_.get());
  if (line.rfind("started ", 0) == 0) {
    if (attach) {
      attach_fd_ = early->status_.release();
      attach_id_ = config.id;
    }
    return sys::ok();
  }
  if (line.rfind("error ", 0) == 0) return Error("start " + config.name + ": " + line.substr(6));
  return Error("start " + config.name + ": the monitor exited before the container started; see " +
               store_.dir(config.id) + "/monitor.log");
}

namespace {

/// A monitor process just spawned (spawn_monitor_process).
struct SpawnedMonitor {
  pid_t pid = -1;
  sys::UniqueFd status;  ///< read end of its status channel (fd 3 there)
  sys::UniqueFd orders;  ///< with `early`: our end of its orders socket (fd 6 there)
};

/// posix_spawn(3) of minirun-monitor with `flags`, its fds placed as monitor.hpp lists
/// them: 0 = `in`, 3 = the status channel, 4/5 = `out`/`err`, 6 = the orders socket
/// (`early` only); 1 and 2 are /dev/null until it opens monitor.log.
Result<SpawnedMonitor> spawn_monitor_process(const std::string& monitor_path, std::vector<std::string> flags,
                                             bool early, int in, int out, int err) {
  if (!sys::path_exists(monitor_path))
    return Error("start: " + monitor_path + " is missing (it is built next to minirun)");
  int status[2], orders[2] = {-1, -1};
  if (::pipe2(status, O_CLOEXEC) < 0) return Error::from_errno("pipe2");
  sys::UniqueFd status_read(status[0]), status_write(status[1]);
  // The orders go over a socket pair, so that writing to a monitor that died meanwhile
  // is an error (send with MSG_NOSIGNAL), not a SIGPIPE that would kill this command
  // without a word.
  if (early && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, orders) < 0)
    return Error::from_errno("socketpair");
  sys::UniqueFd orders_read(orders[0]), orders_write(orders[1]);

  // posix_spawn(3), not fork(2): the engine often runs inside a big multi-threaded
  // process (the miniswarm agent starts tasks from several threads at once), and fork
  // there costs a copy of its page tables plus a copy-on-write fault, with a TLB
  // shootdown across CPUs, on every page any of its threads touches afterwards. glibc's
  // posix_spawn uses clone(CLONE_VM | CLONE_VFORK): no copy at all. A monitor that must
  // not stay our child (it outlives us) forks itself once at start (`--detach`, in the
  // small static monitor, where fork is cheap) and the spawned parent exits at once:
  // the classic double fork, with the second fork moved out of the big process.
  std::vector<std::string> args = {monitor_path};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  sys::UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) return Error::from_errno("open", "/dev/null");
  // Park every fd the monitor inherits above 10, so that placing them at 0-6 never
  // overwrites one before it is copied, and none is dup2'ed onto itself (which would
  // leave its close-on-exec flag set).
  auto park = [](int fd) { return ::fcntl(fd, F_DUPFD_CLOEXEC, 10); };
  sys::UniqueFd in_fd(park(in >= 0 ? in : null_fd.get()));
  sys::UniqueFd out_fd(park(out >= 0 ? out : null_fd.get()));
  sys::UniqueFd err_fd(park(err >= 0 ? err : null_fd.get()));
  sys::UniqueFd quiet_fd(park(null_fd.get()));
  sys::UniqueFd report_fd(park(status_write.get()));
  sys::UniqueFd orders_fd(orders_read ? park(orders_read.get()) : -1);
  if (!in_fd || !out_fd || !err_fd || !quiet_fd || !report_fd || (orders_read && !orders_fd))
    return Error::from_errno("fcntl(F_DUPFD_CLOEXEC)");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, quiet_fd.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, quiet_fd.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, report_fd.get(), kMonitorStatusFd);
  posix_spawn_file_actions_adddup2(&actions, out_fd.get(), kMonitorStdoutFd);
  posix_spawn_file_actions_adddup2(&actions, err_fd.get(), kMonitorStderrFd);
  if (orders_fd) posix_spawn_file_actions_adddup2(&actions, orders_fd.get(), kMonitorIdFd);
  // A session of its own (no terminal, no job-control signals from the user's shell),
  // no blocked signals, default handlers: whatever the calling thread had set.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t child = -1;
  const int spawned = ::posix_spawn(&child, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return Error::from_errno("posix_spawn", monitor_path, spawned);
  return SpawnedMonitor{child, std::move(status_read), std::move(orders_write)};
}

}  // namespace

Result<EarlyMonitor> spawn_early_monitor(const std::string& monitor_path, const std::string& data_root) {
  const std::string path = monitor_path.empty() ? executable_dir() + "/minirun-monitor" : monitor_path;
  std::vector<std::string> flags = {"--id-on-fd"};
  if (!data_root.empty()) flags.insert(flags.end(), {"--data-root", data_root});
  auto spawned = spawn_monitor_process(path, std::move(flags), true, 0, 1, 2);
  if (!spawned) return std::move(spawned.error());
  EarlyMonitor monitor;
  monitor.spawned_ = spawned->pid;
  monitor.go_ = std::move(spawned->orders);
  monitor.status_ = std::move(spawned->status);
  return monitor;
}

Result<EarlyMonitor> Engine::spawn_monitor(const std::string& id, const Attach* attach) {
  std::vector<std::string> flags = {"--detach", "--data-root", options_.data_root, "--image-root", options_.image_root,
                                    "--init", options_.init_path, "--net", options_.net_plugin_path, "--id", id};
  if (attach) flags.push_back("--attached");
  auto spawned = spawn_monitor_process(options_.monitor_path, std::move(flags), false,
                                       attach ? attach->stdin_fd : -1, attach ? attach->stdout_fd : -1,
                                       attach ? attach->stderr_fd : -1);
  if (!spawned) return std::move(spawned.error());
  EarlyMonitor monitor;
  monitor.spawned_ = spawned->pid;
  monitor.detaches_ = true;
  monitor.status_ = std::move(spawned->status);
  return monitor;
}

Result<int> Engine::wait_attached() {
  if (attach_fd_ < 0) return Error("wait_attached: no attached container");
  sys::UniqueFd channel(attach_fd_);
  attach_fd_ = -1;
  // Ctrl-C in the terminal goes to the container, as with `docker run` (--sig-proxy):
  // the signals are blocked and read from a signalfd(2) in the same poll(2) as the
  // monitor's channel, so there is no handler and no thread.
  sigset_t forwarded, old;
  sigemptyset(&forwarded);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&forwarded, sig);
  ::sigprocmask(SIG_BLOCK, &forwarded, &old);
  sys::UniqueFd signals(::signalfd(-1, &forwarded, SFD_CLOEXEC));
  std::string received;
  bool exit_seen = false;
  for (;;) {
    pollfd fds[2] = {{channel.get(), POLLIN, 0}, {signals.get(), POLLIN, 0}};
    if (::poll(fds, signals ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signals.get(), &info, sizeof info) == sizeof info)
        (void)kill(attach_id_, static_cast<int>(info.ssi_signo));
    }
    if (fds[0].revents) {
      char buffer[256];
      ssize_t n = ::read(channel.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      // With --rm the monitor removes the container after "exit N": the channel ends
      // (EOF) only when the container is gone.
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
      exit_seen = exit_seen || received.find("exit ") != std::string::npos;
    }
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  const size_t at = received.find("exit ");
  if (!exit_seen || at == std::string::npos)
    return Error("the container's monitor went away before reporting the exit code; see `minirun ps -a`");
  return std::atoi(received.c_str() + at + 5);
}

Result<ContainerState> Engine::wait_not_running(const std::string& id, int timeout_ms) const {
  for (int waited = 0;; waited += 10) {
    auto state = store_.load_state(id);
    if (!state) return state;
    ContainerState now = observe(*state);
    if (!monitor_alive(now) && !(now.monitor_lost && now.status != ContainerStatus::dead)) return now;
    if (waited >= timeout_ms) return now;
    ::usleep(10'000);
  }
}

Result<void> Engine::clean_up_unsupervised(const ContainerConfig& config) {
  runtime::Runtime rt = runtime();
  if (rt.load(config.id).ok()) MINIRUN_TRY(rt.remove(config.id, true), "clean up " + config.name);
  MINIRUN_TRY(unmount_rootfs(store_, config.id), "clean up " + config.name);
  MINIRUN_TRY(unpublish_recorded(config.id), "clean up " + config.name);
  withdraw_container_names(networks_, config);
  auto state = store_.update_state(config.id, [](ContainerState& s) {
    if (supervised(s.status)) {
      s.status = ContainerStatus::exited;
      s.exit_code = s.exit_code == 0 ? 137 : s.exit_code;
      s.finished_at = now_rfc3339();
    }
    s.pid = 0;
    s.monitor_pid = 0;
  });
  if (!state) return std::move(state.error());
  return sys::ok();
}

Result<void> Engine::stop(const std::string& id_or_name, std::optional<int> timeout) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto config = store_.load_config(*id);
  if (!config) return std::move(config.error());
  auto state = store_.update_state(*id, [](ContainerState& s) { s.stop_requested = true; });
  if (!state) return std::move(state.error());
  ContainerState now = observe(*state);
  if (!supervised(now.status)) {
    if (now.monitor_lost) return clean_up_unsupervised(*config);
    return sys::ok();  // already stopped: nothing to do, as in Docker
  }
  auto signal = runtime::parse_signal(config->stop_signal);
  if (!signal) return std::move(signal.error()).context("StopSignal");
  runtime::Runtime rt = runtime();
  // A frozen process does not handle the signal until it thaws.
  (void)rt.kill(*id, *signal, false);
  if (now.status == ContainerStatus::paused) (void)rt.resume(*id);
  const int grace = timeout.value_or(config->stop_timeout);
  auto after = wait_not_running(*id, grace < 0 ? INT_MAX : grace * 1000);
  if (!after) return std::move(after.error());
  if (monitor_alive(*after) || after->monitor_lost) {
    (void)rt.kill(*id, SIGKILL, true);
    after = wait_not_running(*id, 10'000);
    if (!after) return std::move(after.error());
  }
  if (after->monitor_lost || monitor_alive(*after)) return clean_up_unsupervised(*config);
  return sys::ok();
}

Result<void> Engine::kill(const std::string& id_or_name, int signal) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto state = store_.load_state(*id);
  if (!state) return std::move(state.error());
  const ContainerState now = observe(*state);
  if (now.status != ContainerStatus::running && now.status != ContainerStatus::paused)
    return Error("container " + id_or_name + " is not running");
  // Docker: a container killed by the user is not restarted (unless-stopped/always
  // containers restart only on daemon restart); SIGKILL/SIGTERM are "stops".
  if (signal == SIGKILL || signal == SIGTERM || signal == SIGINT)
    (void)store_.update_state(*id, [](ContainerState& s) { s.stop_requested = true; });
  return runtime().kill(*id, signal, false);
}

Result<void> Engine::restart(const std::string& id_or_name, std::optional<int> timeout) {
  MINIRUN_TRY(stop(id_or_name, timeout), "restart");
  return start(id_or_name);
}

Result<void> Engine::pause(const std::string& id_or_name) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto state = store_.load_state(*id);
  if (!state) return std::move(state.error());
  if (observe(*state).status != ContainerStatus::running)
    return Error("container " + id_or_name + " is not running (status " + status_name(observe(*state).status) + ")");
  MINIRUN_TRY(runtime().pause(*id), "pause");
  auto s = store_.update_state(*id, [](ContainerState& st) { st.status = ContainerStatus::paused; });
  if (!s) return std::move(s.error());
  return sys::ok();
}

Result<void> Engine::unpause(const std::string& id_or_name) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto state = store_.load_state(*id);
  if (!state) return std::move(state.error());
  if (observe(*state).status != ContainerStatus::paused) return Error("container " + id_or_name + " is not paused");
  MINIRUN_TRY(runtime().resume(*id), "unpause");
  auto s = store_.update_state(*id, [](ContainerState& st) {
    if (st.status == ContainerStatus::paused) st.status = ContainerStatus::running;
  });
  if (!s) return std::move(s.error());
  return sys::ok();
}

Result<int> Engine::wait(const std::string& id_or_name) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  for (;;) {
    auto state = store_.load_state(*id);
    if (!state) return std::move(state.error());
    const ContainerState now = observe(*state);
    if (now.status == ContainerStatus::exited || now.status == ContainerStatus::dead ||
        now.status == ContainerStatus::created)
      return now.exit_code;
    ::usleep(20'000);
  }
}

Result<ContainerView> Engine::inspect(const std::string& id_or_name) const {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto config = store_.load_config(*id);
  if (!config) return std::move(config.error());
  auto state = store_.load_state(*id);
  if (!state) return std::move(state.error());
  return ContainerView{std::move(*config), observe(std::move(*state))};
}

std::vector<ContainerView> Engine::list(bool all) const {
  std::vector<ContainerView> views;
  for (const auto& id : store_.list_ids()) {
    auto config = store_.load_config(id);
    auto state = store_.load_state(id);
    if (!config || !state) continue;  // being created or removed right now
    ContainerState now = observe(std::move(*state));
    if (!all && !supervised(now.status)) continue;
    views.push_back({std::move(*config), std::move(now)});
  }
  std::sort(views.begin(), views.end(),
            [](const ContainerView& a, const ContainerView& b) { return a.config.created > b.config.created; });
  return views;
}

}  // namespace minirun::engine
