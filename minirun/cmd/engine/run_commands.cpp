/**
 * @file run_commands.cpp
 * @brief `minirun run` and `minirun create`: Docker's flags -> a CreateRequest.
 *
 * Every flag value goes through flag_values.hpp (one parser per kind of value, each
 * error naming the flag), so this file is only the list of flags and where each lands.
 * `run` = `create` + `start`, attached unless -d: the output streams to this terminal
 * (the monitor copies it here as well as into the log), Ctrl-C reaches the container,
 * and `minirun run` exits with the container's exit code. Errors of the engine itself
 * exit with 125, as `docker run` does, so a script can tell them from the program's.
 */
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "minirun/cmd/engine/commands.hpp"
#include "minirun/engine/flag_values.hpp"

namespace minirun::cmd {

namespace {

using engine::CreateRequest;

/// The raw values of every run/create flag, as CLI11 fills them.
struct RunFlags {
  bool detach = false, remove = false, interactive = false, tty = false;
  std::string name, workdir, user, hostname, entrypoint;
  bool entrypoint_given = false;
  std::vector<std::string> env, env_files, volumes, mounts, tmpfs, ulimits, cap_add, cap_drop, security_opts, labels,
      log_opts;
  bool read_only = false, privileged = false, init = false, no_healthcheck = false;
  std::string memory, memory_swap, cpus, cpu_shares, pids_limit, cpuset_cpus, restart = "no";
  std::string health_cmd, health_interval, health_timeout, health_start_period, health_start_interval;
  int health_retries = 0;
  std::string stop_signal, stop_timeout, network = "bridge", ip;
  std::vector<std::string> network_aliases, dns, add_hosts, publish;
  bool publish_all = false;
};

void add_run_flags(CLI::App* sub, RunFlags& f, bool with_run_flags) {
  sub->set_help_flag("--help", "Print this help");  // -h is --hostname, as in Docker
  sub->prefix_command();  // IMAGE [COMMAND] [ARG...]: everything after the image is the command's
  if (with_run_flags) {
    sub->add_flag("-d,--detach", f.detach, "Run in the background and print the container id");
  }
  sub->add_flag("--rm", f.remove, "Remove the container (and its anonymous volumes) when it exits");
  sub->add_flag("-i,--interactive", f.interactive, "Keep stdin open (connect it to the container)");
  sub->add_flag("-t,--tty", f.tty, "Allocate a pseudo-terminal (pty)");
  sub->add_option("--name", f.name, "Container name (default: a generated one)");
  sub->add_option("-e,--env", f.env, "Set an environment variable (VAR=value, or VAR to copy ours)");
  sub->add_option("--env-file", f.env_files, "Read environment variables from a file");
  sub->add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  sub->add_option("-u,--user", f.user, "User (name|uid[:group|gid])");
  sub->add_option("-h,--hostname", f.hostname, "Container hostname (default: the short id)");
  sub->add_option("--entrypoint", f.entrypoint, "Overwrite the image's ENTRYPOINT (\"\" clears it)")
      ->each([&f](const std::string&) { f.entrypoint_given = true; });
  sub->add_option("-v,--volume", f.volumes, "Bind mount or volume: SRC:DST[:ro], NAME:DST, or DST (anonymous)");
  sub->add_option("--mount", f.mounts, "Mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]");
  sub->add_option("--tmpfs", f.tmpfs, "tmpfs mount: PATH[:OPTIONS] (e.g. /run:size=64m)");
  sub->add_flag("--read-only", f.read_only, "Mount the root filesystem read-only");
  sub->add_option("-m,--memory", f.memory, "Memory limit (e.g. 64m, 1g)");
  sub->add_option("--memory-swap", f.memory_swap, "Memory + swap limit (-1: unlimited swap)");
  sub->add_option("--cpus", f.cpus, "Number of CPUs (e.g. 0.5)");
  sub->add_option("-c,--cpu-shares", f.cpu_shares, "CPU shares (relative weight, default 1024)");
  sub->add_option("--pids-limit", f.pids_limit, "Process limit (-1: unlimited; default 4096, see docs)");
  sub->add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs the container may use (0-1, 0,2)");
  sub->add_option("--ulimit", f.ulimits, "ulimit: NAME=SOFT[:HARD] (e.g. nofile=1024:2048)");
  sub->add_option("--cap-add", f.cap_add, "Add a Linux capability (or ALL)");
  sub->add_option("--cap-drop", f.cap_drop, "Drop a Linux capability (or ALL)");
  sub->add_option("--security-opt", f.security_opts,
                  "seccomp=FILE|unconfined, no-new-privileges[=true|false]");
  sub->add_flag("--privileged", f.privileged, "Give every capability, no seccomp, all devices (dangerous)");
  sub->add_flag("--init", f.init, "Run minirun-init as PID 1: reaps zombies, forwards signals");
  sub->add_option("--restart", f.restart, "Restart policy: no, on-failure[:N], always, unless-stopped")
      ->capture_default_str();
  sub->add_option("--health-cmd", f.health_cmd, "Command to check health (run with /bin/sh -c)");
  sub->add_option("--health-interval", f.health_interval, "Time between checks (e.g. 30s)");
  sub->add_option("--health-timeout", f.health_timeout, "Maximum time one check may take");
  sub->add_option("--health-retries", f.health_retries, "Failures in a row before unhealthy");
  sub->add_option("--health-start-period", f.health_start_period, "Start-up time during which failures do not count");
  sub->add_option("--health-start-interval", f.health_start_interval, "Time between checks during the start period");
  sub->add_flag("--no-healthcheck", f.no_healthcheck, "Disable the image's HEALTHCHECK");
  sub->add_option("--stop-signal", f.stop_signal, "Signal to stop the container (default SIGTERM)");
  sub->add_option("--stop-timeout", f.stop_timeout, "Seconds to wait after the stop signal before SIGKILL");
  sub->add_option("-l,--label", f.labels, "Set a label (key=value)");
  sub->add_option("--network,--net", f.network, "Network: bridge, a network's name, none, host, or container:NAME")
      ->capture_default_str();
  sub->add_option("--ip", f.ip, "IPv4 address on the --network (user-defined networks only)");
  sub->add_option("--network-alias", f.network_aliases, "Another DNS name for the container on the --network");
  sub->add_option("--dns", f.dns, "A DNS server for the container (IPv4)");
  sub->add_option("--add-host", f.add_hosts, "An /etc/hosts line: NAME:IP");
  sub->add_option("-p,--publish", f.publish, "Publish a port: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp]");
  sub->add_flag("-P,--publish-all", f.publish_all, "Publish every EXPOSEd port on a random host port");
  sub->add_option("--log-opt", f.log_opts, "json-file log options: max-size=10m, max-file=3");
  // Docker's repeatable flags take one value per use (`-e A=1 -e B=2`); without this,
  // CLI11 would let `--cap-drop NET_RAW busybox true` swallow the image and command.
  for (CLI::Option* option : sub->get_options()) option->allow_extra_args(false);
}

/// The flag values -> a CreateRequest; the first bad value is the error.
Result<CreateRequest> build_request(const RunFlags& f, const std::vector<std::string>& image_and_command) {
  using namespace minirun::engine;
  if (image_and_command.empty()) return Error("an image is required: minirun run [OPTIONS] IMAGE [COMMAND] [ARG...]");
  CreateRequest r;
  ContainerConfig& c = r.config;
  c.image = image_and_command[0];
  c.cmd.assign(image_and_command.begin() + 1, image_and_command.end());
  c.name = f.name;
  c.tty = f.tty;
  c.open_stdin = f.interactive;
  c.working_dir = f.workdir;
  if (!c.working_dir.empty() && c.working_dir[0] != '/')
    return Error("--workdir: \"" + c.working_dir + "\" is not an absolute path");
  c.user = f.user;
  c.hostname = f.hostname;
  if (f.entrypoint_given) {
    r.entrypoint_set = true;
    if (!f.entrypoint.empty()) c.entrypoint = {f.entrypoint};
  }
  for (const auto& file : f.env_files) {
    auto entries = parse_env_file(file);
    if (!entries) return std::move(entries.error()).context("--env-file");
    r.env_flags.insert(r.env_flags.end(), entries->begin(), entries->end());
  }
  for (const auto& e : f.env) {
    auto entry = parse_env_flag(e);
    if (!entry) return std::move(entry.error());
    if (!entry->empty()) r.env_flags.push_back(*entry);
  }
  for (const auto& v : f.volumes) {
    auto m = parse_volume_flag(v);
    if (!m) return std::move(m.error());
    c.mounts.push_back(*m);
  }
  for (const auto& v : f.mounts) {
    auto m = parse_mount_flag(v);
    if (!m) return std::move(m.error());
    c.mounts.push_back(*m);
  }
  for (const auto& v : f.tmpfs) {
    auto m = parse_tmpfs_flag(v);
    if (!m) return std::move(m.error());
    c.mounts.push_back(*m);
  }
  for (size_t i = 0; i < c.mounts.size(); ++i)
    for (size_t j = i + 1; j < c.mounts.size(); ++j)
      if (c.mounts[i].target == c.mounts[j].target)
        return Error("duplicate mount point: " + c.mounts[i].target + " (two -v/--mount/--tmpfs flags name it)");
  c.read_only = f.read_only;
  c.privileged = f.privileged;
  c.init = f.init;
  c.auto_remove = f.remove;
  if (!f.memory.empty()) {
    auto v = parse_bytes(f.memory, "--memory");
    if (!v) return std::move(v.error());
    if (*v < 6 * 1024 * 1024) return Error("--memory: minimum memory limit allowed is 6MB (got " + f.memory + ")");
    c.resources.memory = *v;
  }
  if (!f.memory_swap.empty()) {
    auto v = parse_memory_swap(f.memory_swap, "--memory-swap");
    if (!v) return std::move(v.error());
    if (c.resources.memory == 0) return Error("--memory-swap: needs --memory too (it is memory plus swap)");
    if (*v > 0 && *v < c.resources.memory)
      return Error("--memory-swap: " + f.memory_swap + " is less than --memory; it is memory plus swap, so make it larger");
    c.resources.memory_swap = *v;
  }
  if (!f.cpus.empty()) {
    auto v = parse_nano_cpus(f.cpus, "--cpus");
    if (!v) return std::move(v.error());
    c.resources.nano_cpus = *v;
  }
  if (!f.cpu_shares.empty()) {
    auto v = parse_cpu_shares(f.cpu_shares, "--cpu-shares");
    if (!v) return std::move(v.error());
    c.resources.cpu_shares = *v;
  }
  if (!f.pids_limit.empty()) {
    auto v = parse_pids_limit(f.pids_limit, "--pids-limit");
    if (!v) return std::move(v.error());
    c.resources.pids_limit = *v;
  }
  if (!f.cpuset_cpus.empty()) {
    auto v = parse_cpuset(f.cpuset_cpus, "--cpuset-cpus");
    if (!v) return std::move(v.error());
    c.resources.cpuset_cpus = *v;
  }
  for (const auto& u : f.ulimits) {
    auto v = parse_ulimit(u);
    if (!v) return std::move(v.error());
    c.resources.ulimits.push_back(*v);
  }
  for (const auto& cap : f.cap_add) {
    auto v = normalize_capability(cap, "--cap-add");
    if (!v) return std::move(v.error());
    c.cap_add.push_back(*v);
  }
  for (const auto& cap : f.cap_drop) {
    auto v = normalize_capability(cap, "--cap-drop");
    if (!v) return std::move(v.error());
    c.cap_drop.push_back(*v);
  }
  SecurityOpts security;
  for (const auto& opt : f.security_opts) MINIRUN_TRY(apply_security_opt(opt, security), "--security-opt");
  c.seccomp = security.seccomp;
  c.no_new_privileges = security.no_new_privileges;
  auto restart = parse_restart_policy(f.restart);
  if (!restart) return std::move(restart.error());
  c.restart = *restart;
  if (c.auto_remove && c.restart.name != "no")
    return Error("conflicting options: --restart " + f.restart + " and --rm (a removed container cannot restart)");
  c.healthcheck = HealthConfig::unset();
  if (!f.health_cmd.empty()) c.healthcheck.test = {"CMD-SHELL", f.health_cmd};
  struct DurationFlag {
    const std::string& text;
    const char* flag;
    int64_t& into;
  };
  for (DurationFlag d : {DurationFlag{f.health_interval, "--health-interval", c.healthcheck.interval_ns},
                         DurationFlag{f.health_timeout, "--health-timeout", c.healthcheck.timeout_ns},
                         DurationFlag{f.health_start_period, "--health-start-period", c.healthcheck.start_period_ns},
                         DurationFlag{f.health_start_interval, "--health-start-interval", c.healthcheck.start_interval_ns}}) {
    if (d.text.empty()) continue;
    auto v = parse_duration_flag(d.text, d.flag);
    if (!v) return std::move(v.error());
    d.into = *v;
  }
  if (f.health_retries < 0) return Error("--health-retries: must be 0 or more (got " + std::to_string(f.health_retries) + ")");
  c.healthcheck.retries = f.health_retries;
  r.no_healthcheck = f.no_healthcheck;
  if (f.no_healthcheck && !f.health_cmd.empty()) return Error("--no-healthcheck conflicts with --health-cmd");
  if (!f.stop_signal.empty()) {
    auto sig = runtime::parse_signal(f.stop_signal);
    if (!sig) return std::move(sig.error()).context("--stop-signal");
    c.stop_signal = f.stop_signal;
    r.stop_signal_set = true;
  }
  if (!f.stop_timeout.empty()) {
    auto v = parse_stop_timeout(f.stop_timeout, "--stop-timeout");
    if (!v) return std::move(v.error());
    c.stop_timeout = *v;
  }
  for (const auto& l : f.labels) {
    auto v = parse_label(l, "--label");
    if (!v) return std::move(v.error());
    r.label_flags[v->first] = v->second;
  }
  if (f.network.empty() || f.network == "default") c.network_mode = "bridge";
  else c.network_mode = f.network;
  r.ip = f.ip;
  r.network_aliases = f.network_aliases;
  c.dns = f.dns;
  c.extra_hosts = f.add_hosts;
  for (const auto& p : f.publish) {
    auto mappings = network::parse_publish_flag(p);
    if (!mappings) return std::move(mappings.error());
    c.port_bindings.insert(c.port_bindings.end(), mappings->begin(), mappings->end());
  }
  c.publish_all = f.publish_all;
  if (c.network_mode == "host" && (!c.port_bindings.empty() || c.publish_all)) {
    // Docker's behaviour: the container already listens on the host's own ports.
    std::fprintf(stderr, "WARNING: published ports are discarded when using host network mode\n");
    c.port_bindings.clear();
    c.publish_all = false;
  }
  for (const auto& opt : f.log_opts) {
    auto eq = opt.find('=');
    const std::string key = opt.substr(0, eq), value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    if (key == "max-size") {
      auto v = parse_bytes(value, "--log-opt max-size");
      if (!v) return std::move(v.error());
      c.log.max_size = *v;
    } else if (key == "max-file") {
      try {
        c.log.max_files = std::stoi(value);
      } catch (...) {
        c.log.max_files = 0;
      }
      if (c.log.max_files < 1) return Error("--log-opt max-file: \"" + value + "\" is not a number of files >= 1");
    } else {
      return Error("--log-opt: unknown option \"" + key + "\" (json-file knows max-size and max-file)");
    }
  }
  return r;
}

/// Puts our terminal in raw mode while an interactive -t container runs (keys go to
/// the container's pty as typed; its line discipline does echo and Ctrl-C).
class RawTerminal {
 public:
  explicit RawTerminal(bool wanted) {
    if (!wanted || !::isatty(0) || ::tcgetattr(0, &saved_) < 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

void run_or_create(Globals& g, const RunFlags& f, const std::vector<std::string>& rest, bool start) {
  auto request = build_request(f, rest);
  if (!request) return fail(g, request.error().what(), 125);
  engine::Engine engine = g.engine();
  engine::Attach attach;
  attach.stdin_fd = f.interactive ? 0 : -1;
  const bool attached = start && !f.detach;
  // `run`: main() spawned the monitor before the flags were even parsed, so that it starts
  // while they are and create() writes the container (engine::spawn_early_monitor). If
  // that failed, start() spawns one itself.
  std::optional<engine::EarlyMonitor> early;
  if (start && g.early_monitor) early.emplace(std::move(*g.early_monitor));
  g.early_monitor.reset();
  request->claim_start = start;
  auto created = engine.create(std::move(*request));
  if (!created) return fail(g, created.error().what(), 125);
  auto start_it = [&](const engine::Attach* a) {
    return early ? engine.start(*created, a, std::move(*early)) : engine.start(created->id, a);
  };
  if (!attached) {
    if (start) {
      if (auto r = start_it(nullptr); !r) {
        if (f.remove) (void)engine.remove(created->id, true, true);
        return fail(g, r.error().what(), 125);
      }
    }
    std::printf("%s\n", created->id.c_str());
    return;
  }
  RawTerminal raw(f.tty && f.interactive);
  if (auto r = start_it(&attach); !r) {
    // Docker's codes when the command itself cannot run: 127 not found, 126 not executable.
    int code = 125;
    if (auto view = engine.inspect(created->id); view && (view->state.exit_code == 126 || view->state.exit_code == 127))
      code = view->state.exit_code;
    if (f.remove) (void)engine.remove(created->id, true, true);
    return fail(g, r.error().what(), code);
  }
  auto code = engine.wait_attached();
  if (!code) return fail(g, code.error().what(), 125);
  g.exit_code = *code;
}

}  // namespace

void add_run_command(CLI::App& app, Globals& g) {
  static RunFlags run_flags;
  CLI::App* run = app.add_subcommand("run", "Create and start a container from an image (attached unless -d)");
  add_run_flags(run, run_flags, true);
  run->callback([&g, run] { run_or_create(g, run_flags, run->remaining(), true); });
}

void add_create_command(CLI::App& app, Globals& g) {
  static RunFlags create_flags;
  CLI::App* create = app.add_subcommand("create", "Create a container without starting it (prints its id)");
  add_run_flags(create, create_flags, false);
  create->callback([&g, create] { run_or_create(g, create_flags, create->remaining(), false); });
}

}  // namespace minirun::cmd
