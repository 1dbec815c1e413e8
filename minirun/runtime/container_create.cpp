/**
 * @file container_create.cpp
 * @brief `create`: from bundle to a container waiting for `start` (see container.hpp).
 *
 * Written as a sequence of steps, each of which registers how to undo itself: the
 * state directory, the cgroup (its own RAII object), the child process (killed by
 * ChildProcess's destructor). If any step fails, returning the error unwinds them all,
 * in reverse order, and the host is as it was.
 */
#include <fcntl.h>
#include <cstdio>
#include <pwd.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/runtime/console.hpp"
#include "minirun/runtime/dmz.hpp"
#include "minirun/runtime/container.hpp"
#include "minirun/runtime/explain.hpp"
#include "minirun/runtime/hooks.hpp"
#include "minirun/runtime/namespaces.hpp"
#include "minirun/runtime/rootfs.hpp"
#include "minirun/runtime/seccomp.hpp"
#include "minirun/runtime/seccomp_cache.hpp"
#include "minirun/runtime/setup_steps.hpp"
#include "minirun/runtime/sync_socket.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/stamps.hpp"

namespace minirun::runtime {

using sys::ChildProcess;
using sys::UniqueFd;

namespace {

/// Removes the state directory unless disarmed: the first undo step of `create`.
class StateDirGuard {
 public:
  StateDirGuard(const StateStore& store, std::string id) : store_(store), id_(std::move(id)) {}
  ~StateDirGuard() {
    if (armed_) (void)store_.remove(id_);
  }
  void disarm() { armed_ = false; }

 private:
  const StateStore& store_;
  std::string id_;
  bool armed_ = true;
};

/// Where the container's own cgroup directories appear inside it (/sys/fs/cgroup/NAME).
CgroupBinds cgroup_binds(const CgroupLayout& layout, const std::vector<std::string>& paths) {
  CgroupBinds binds;
  for (const auto& path : paths) {
    if (!layout.uses_v1()) {
      binds[""] = path;
      continue;
    }
    for (const auto& [controller, mount] : layout.v1_mounts) {
      if (path.rfind(mount + "/", 0) == 0 || path == mount) {
        // The mount point's last component: "memory", or "cpu,cpuacct" where joined.
        binds[mount.substr(mount.rfind('/') + 1)] = path;
        break;
      }
    }
  }
  return binds;
}

/// For each of `binds` (v1), the controllers of its hierarchy, comma-separated: the
/// options that mount that hierarchy. Left out: named hierarchies (`name=systemd`),
/// which take other options; they are bound.
CgroupControllers cgroup_controllers(const CgroupLayout& layout, const CgroupBinds& binds) {
  CgroupControllers result;
  for (const auto& [name, host_dir] : binds) {
    std::string controllers;
    bool plain = true;
    for (const auto& [controller, mount] : layout.v1_mounts) {
      if (mount.substr(mount.rfind('/') + 1) != name) continue;
      plain = plain && controller.find('=') == std::string::npos;
      controllers += (controllers.empty() ? "" : ",") + controller;
    }
    if (plain && !controllers.empty()) result[name] = controllers;
  }
  return result;
}

}  // namespace

Result<CreatedContainer> Runtime::create(const CreateOptions& options) {
  Explainer explain(options_.explain, STDERR_FILENO);
  MINIRUN_TRY(validate_container_id(options.id), "create");

  explain.begin();
  char resolved[PATH_MAX];
  if (::realpath(options.bundle.c_str(), resolved) == nullptr) {
    return Error::from_errno("bundle", options.bundle).context("--bundle");
  }
  // load_spec names the file in its errors; for a config handed over in memory, say it here.
  auto spec = options.config ? parse_spec(*options.config, resolved, options.seccomp == nullptr) : load_spec(resolved);
  if (!spec && options.config) return std::move(spec.error()).context(std::string(resolved) + "/config.json");
  if (!spec) return std::move(spec.error());
  if (options.seccomp != nullptr) spec->linux.seccomp = *options.seccomp;
  explain.end(Step::load_config, resolved);
  if (options_.debug) {
    // Fields the spec allows a runtime to ignore when the platform lacks them: say so.
    for (const auto& field : spec->ignored) {
      std::fprintf(stderr, "minirun-oci: debug: %s/config.json: %s is accepted but not acted on\n", resolved,
                   field.c_str());
    }
  }

  // Everything below undoes itself on failure (see the file comment).
  MINIRUN_TRY(store_.reserve(options.id), "create");
  StateDirGuard state_dir(store_, options.id);

  // The cgroup and its limits exist before the child does. On v2, clone3(2) starts the
  // child inside it (CLONE_INTO_CGROUP); on v1 the child moves itself in, first thing,
  // through the `tasks` files opened here (cgroup.hpp says why not by pid from here).
  auto layout = CgroupLayout::detect();
  if (!layout) return std::move(layout.error()).context("cgroups");
  auto cgroup = make_cgroup(*layout, spec->linux.cgroups_path, options.id);
  if (!cgroup) return std::move(cgroup.error()).context("linux.cgroupsPath");
  Resources resources = spec->linux.resources.value_or(Resources{});
  resources.devices = device_cgroup_rules(*spec);
  explain.begin();
  MINIRUN_TRY((*cgroup)->create(resources), "cgroup");
  explain.end(Step::create_cgroup);
  auto join_files = (*cgroup)->open_self_join_files();
  if (!join_files) return std::move(join_files.error());

  std::optional<SeccompFilter> seccomp;
  if (spec->linux.seccomp) {
    explain.begin();
    bool hit = false;
    auto filter = cached_seccomp_filter(*spec->linux.seccomp, options_.root + "/.cache/seccomp", hit);
    if (!filter) return std::move(filter.error());
    seccomp = std::move(*filter);
    explain.end(Step::compile_seccomp, (std::to_string(seccomp->program().size()) + " BPF instructions, " +
                                        (hit ? "from the cache" : "compiled and cached"))
                                           .c_str());
  }

  // What the init blocks on until `start`. Normally the exec fifo in the state
  // directory, opened here read-write (which never blocks on a fifo) and inherited by the
  // child, because the child may be a user the fifo's permissions would refuse (a user
  // namespace); its read() then waits until `start` writes a byte. Once our copy is
  // closed after clone, the child holds the only reader: if it dies, `start` gets ENXIO.
  // `run` starts the container itself, so a pipe does, with no file to make and remove.
  UniqueFd start_fd, start_pipe;
  if (options.start_through_pipe) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return Error::from_errno("pipe2");
    start_fd.reset(fds[0]);
    start_pipe.reset(fds[1]);
  } else {
    std::string fifo = store_.fifo(options.id);
    if (::mkfifo(fifo.c_str(), 0600) < 0) return Error::from_errno("mkfifo", fifo);
    start_fd.reset(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
    if (!start_fd) return Error::from_errno("open", fifo);
  }

  auto joins = open_namespaces_to_join(spec->linux);
  if (!joins) return std::move(joins.error());
  auto sync = make_sync_socket();
  if (!sync) return std::move(sync.error());
  UniqueFd console;
  if (spec->process.terminal && options.console_fd >= 0) {
    console.reset(::dup(options.console_fd));
  } else if (spec->process.terminal && !options.console_socket.empty()) {
    auto c = connect_console_socket(options.console_socket);
    if (!c) return std::move(c.error());
    console = std::move(*c);
  } else if (spec->process.terminal) {
    return Error("process.terminal is true but no --console-socket was given (set terminal to false, or pass a socket)");
  }

  auto dmz = make_sealed_dmz();
  if (!dmz) return std::move(dmz.error());

  InitContext ctx;
  ctx.spec = &*spec;
  ctx.sync_fd = sync->second.get();
  ctx.exec_fifo_fd = start_fd.get();
  ctx.start_pipe_fd = start_pipe.get();
  ctx.seccomp = seccomp ? &*seccomp : nullptr;
  ctx.cgroups = cgroup_binds(*layout, (*cgroup)->paths());
  if (layout->uses_v1()) ctx.cgroup_controllers = cgroup_controllers(*layout, ctx.cgroups);
  ctx.joins = &*joins;
  ctx.new_user_namespace = spec->linux.find_namespace(NamespaceType::user) &&
                           spec->linux.find_namespace(NamespaceType::user)->path.empty();
  ctx.cgroup_join = &*join_files;
  unsigned long long clone_flags = new_namespace_flags(spec->linux);
  ctx.new_network_namespace = (clone_flags & CLONE_NEWNET) != 0;
  if (!join_files->empty() && (clone_flags & CLONE_NEWCGROUP) != 0) {
    // A cgroup namespace is rooted where its creator is; the child makes its own once it
    // is in its cgroup (setup_steps.cpp), not here, in ours.
    clone_flags &= ~static_cast<unsigned long long>(CLONE_NEWCGROUP);
    ctx.unshare_cgroup_namespace = true;
  }
  ctx.console_socket = console.get();
  ctx.dmz_fd = dmz->get();
  ctx.explain = options_.explain;

  // A pid namespace given by path is entered by the parent for its next child only.
  UniqueFd own_pid_ns;
  if (const Namespace* pid_ns = spec->linux.find_namespace(NamespaceType::pid); pid_ns && !pid_ns->path.empty()) {
    auto own = join_pid_namespace_for_children(pid_ns->path);
    if (!own) return std::move(own.error()).context("linux.namespaces (pid)");
    own_pid_ns = std::move(*own);
  }

  explain.begin();
  auto child = sys::clone_process(clone_flags, (*cgroup)->clone_into_fd());
  if (own_pid_ns) (void)restore_pid_namespace(own_pid_ns.get());
  if (!child) return std::move(child.error()).context("create");
  if (child->pid() == 0) {
    sync->first.reset();
    container_init(ctx);  // never returns
  }
  sync->second.reset();
  console.reset();
  start_fd.reset();
  join_files->clear();  // the child's copies are the ones it writes to
  explain.end(Step::clone, ("pid " + std::to_string(child->pid())).c_str());

  // From here until `go`, the child may fail on its own (a bad mount, say) and exit; its
  // error, waiting on the sync socket, is the one to report, not ours about a pid that
  // is gone.
  auto childs_error_first = [&](Error ours) {
    auto theirs = receive_sync_nowait(sync->first.get());
    if (theirs && theirs->first == SyncMessage::error) return Error(theirs->second);
    return ours;
  };
  if (ctx.new_user_namespace) {
    explain.begin();
    MINIRUN_TRY(write_id_mappings(child->pid(), spec->linux.uid_mappings, spec->linux.gid_mappings), "create");
    explain.end(Step::write_id_maps);
  }
  std::string hook_state;
  if (!spec->hooks.create_container.empty() || !spec->hooks.start_container.empty()) {
    hook_state = nlohmann::json{{"ociVersion", spec->oci_version}, {"id", options.id}, {"status", "creating"},
                                {"pid", child->pid()}, {"bundle", resolved}, {"annotations", spec->annotations}}
                     .dump();
  }
  if (auto r = send_sync(sync->first.get(), SyncMessage::go, hook_state); !r) {
    return childs_error_first(std::move(r.error())).context("create `" + options.id + "`");
  }
  bool started = false;
  if (options.start_immediately && start_pipe && spec->hooks.prestart.empty() && spec->hooks.create_runtime.empty()) {
    // `run` with nothing to do between create and start: the byte waits in the pipe
    // and the init goes straight on once it is ready (the OCI order is kept: no hook
    // runs in between, and the program still starts after the whole setup).
    if (::write(start_pipe.get(), "0", 1) != 1) return Error::from_errno("write", "start pipe");
    start_pipe.reset();
    started = true;
  }

  // While the child sets itself up, the parent writes the state file: the two run in
  // parallel, and the file must exist by the time `create` returns anyway. (A `list`
  // in this window shows the container as created a moment early.)
  ContainerState state;
  state.oci_version = spec->oci_version;
  state.id = options.id;
  state.bundle = resolved;
  state.rootfs = spec->root.path;
  state.pid = child->pid();
  auto start_time = sys::process_start_time(child->pid());
  if (!start_time) return std::move(start_time.error());
  state.start_time = *start_time;
  state.created = sys::now_rfc3339();
  // The owner's *name* is looked up only when shown (`list`): getpwuid(3) reads
  // nsswitch.conf and /etc/passwd, a cost every start would pay for nothing.
  state.owner_uid = ::geteuid();
  state.cgroup_paths = (*cgroup)->paths();
  state.annotations = spec->annotations;
  state.has_poststart_hooks = !spec->hooks.poststart.empty();
  state.has_poststop_hooks = !spec->hooks.poststop.empty();
  MINIRUN_TRY(store_.save_new(state), "create");

  auto reply = receive_sync(sync->first.get());
  if (!reply) return std::move(reply.error()).context("create `" + options.id + "`");
  if (reply->first == SyncMessage::error) return Error(reply->second).context("create `" + options.id + "`");


  if (!spec->hooks.prestart.empty() || !spec->hooks.create_runtime.empty()) {
    auto oci_state = state_json(options.id);
    std::string text = oci_state ? oci_state->dump() : "{}";
    MINIRUN_TRY(run_hooks(spec->hooks.prestart, text, "prestart"), "hooks");
    MINIRUN_TRY(run_hooks(spec->hooks.create_runtime, text, "createRuntime"), "hooks");
  }
  if (!options.pid_file.empty()) {
    MINIRUN_TRY(sys::write_file_atomic(options.pid_file, std::to_string(child->pid())), "--pid-file");
  }

  // Success: the container now exists, and outlives this function's guards.
  (*cgroup)->release();
  state_dir.disarm();
  return CreatedContainer{std::move(*child), spec->process.terminal, std::move(*cgroup), std::move(spec->hooks),
                          std::move(state), std::move(start_pipe), started};
}

}  // namespace minirun::runtime
