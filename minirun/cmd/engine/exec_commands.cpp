/**
 * @file exec_commands.cpp
 * @brief `exec` (a new process in a running container) and `cp` (files in and out).
 *
 * `exec` joins the container's namespaces and cgroup through the runtime (the same path
 * as `minirun-oci exec`), starting from the container's own process settings (user,
 * environment, capabilities, seccomp, no_new_privs: an exec'd shell is no more powerful
 * than the container's main process) and applying -e, -u, -w and -t on top.
 *
 * `cp` works on the container's root filesystem as seen from the host (the overlay
 * mount; mounted for the copy when the container is stopped), resolving every container
 * path inside that root (copy_files.hpp): a symlink planted in the container cannot
 * make `cp` read or write the host.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "minirun/cmd/engine/commands.hpp"
#include "minirun/engine/bundle_writer.hpp"
#include "minirun/engine/copy_files.hpp"
#include "minirun/engine/flag_values.hpp"
#include "minirun/engine/volumes.hpp"
#include "minirun/runtime/spec.hpp"
#include "minirun/runtime/user_lookup.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/overlay.hpp"

namespace minirun::cmd {

namespace {

Result<int> exec_in(const engine::Engine& engine, const std::string& name, const std::vector<std::string>& command,
                    const std::vector<std::string>& env, const std::string& user, const std::string& workdir,
                    bool tty, bool detach) {
  auto id = engine.store().resolve(name);
  if (!id) return std::move(id.error());
  auto state = engine.store().load_state(*id);
  if (!state) return std::move(state.error());
  if (engine::observe(*state).status != engine::ContainerStatus::running)
    return sys::Error("container " + name + " is not running (see `minirun ps -a`)");
  if (command.empty()) return sys::Error("exec: a command is required: minirun exec [OPTIONS] CONTAINER COMMAND [ARG...]");
  auto bundle = sys::read_file(engine.store().bundle_dir(*id) + "/config.json");
  if (!bundle) return std::move(bundle.error());
  auto spec = nlohmann::json::parse(*bundle, nullptr, false);
  if (spec.is_discarded()) return sys::Error("exec: the container's bundle config.json is not valid JSON");
  nlohmann::json process = spec["process"];
  process["args"] = command;
  process["terminal"] = tty;
  std::vector<std::string> environment = process["env"];
  for (const auto& e : env) {
    auto entry = engine::parse_env_flag(e);
    if (!entry) return std::move(entry.error());
    if (entry->empty()) continue;
    const std::string key = entry->substr(0, entry->find('='));
    std::erase_if(environment, [&](const std::string& x) { return x.substr(0, x.find('=')) == key; });
    environment.push_back(*entry);
  }
  process["env"] = environment;
  if (!workdir.empty()) process["cwd"] = workdir;
  if (!user.empty()) {
    auto resolved = runtime::resolve_user_in_rootfs(engine.store().rootfs_dir(*id), user);
    if (!resolved) return std::move(resolved.error()).context("--user");
    process["user"] = {{"uid", resolved->uid}, {"gid", resolved->gid}};
    if (!resolved->additional_gids.empty()) process["user"]["additionalGids"] = resolved->additional_gids;
  }
  auto parsed = runtime::parse_process(process, "exec");
  if (!parsed) return std::move(parsed.error());
  runtime::ExecOptions options;
  options.detach = detach;
  return engine.runtime().exec(*id, *parsed, options);
}

/// "NAME:PATH" -> {NAME, PATH}; a host path (no colon before any slash) -> nullopt.
std::optional<std::pair<std::string, std::string>> container_side(const std::string& arg) {
  auto colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  if (arg.find('/') < colon) return std::nullopt;  // "./a:b" is a host path
  return std::make_pair(arg.substr(0, colon), arg.substr(colon + 1));
}

Result<void> copy_files(const engine::Engine& engine, const std::string& source, const std::string& dest,
                  const engine::CopyOptions& options) {
  auto from = container_side(source), to = container_side(dest);
  if (from.has_value() == to.has_value())
    return sys::Error("cp: exactly one of SOURCE and DEST must be CONTAINER:PATH (e.g. minirun cp web:/etc/hosts .)");
  const std::string name = from ? from->first : to->first;
  auto id = engine.store().resolve(name);
  if (!id) return std::move(id.error());
  auto config = engine.store().load_config(*id);
  if (!config) return std::move(config.error());
  const std::string root = engine.store().rootfs_dir(*id);
  std::optional<sys::ScopedMount> temporary;
  if (!engine::is_mount_point(root)) {
    // A stopped container: mount its layers for the copy (an upper dir write is what
    // `docker cp` into a stopped container does too).
    const std::string dir = engine.store().dir(*id);
    auto mount = sys::mount_overlay({config->lower_dirs, dir + "/upper", dir + "/work", dir + "/empty-lower"}, root);
    if (!mount) return std::move(mount.error()).context("cp: mount the container's root");
    temporary.emplace(std::move(*mount));
  }
  // A path under one of the container's mounts (a volume, a bind mount, the /etc files
  // the engine provides) lives outside the overlay: copy from or to the mount's source,
  // still resolving the rest of the path inside it.
  std::string inner = from ? from->second : to->second;
  std::string copy_root = root;
  auto under = [](const std::string& path, const std::string& target) {
    return path == target || (path.size() > target.size() && path.compare(0, target.size(), target) == 0 &&
                              path[target.size()] == '/');
  };
  std::vector<std::pair<std::string, std::string>> mounts;  // container target, host source
  const std::string dir = engine.store().dir(*id);
  for (const char* file : {"hostname", "hosts", "resolv.conf"}) mounts.emplace_back(std::string("/etc/") + file, dir + "/" + file);
  engine::VolumeStore volumes(engine.store().volumes_root());
  for (const auto& m : config->mounts) {
    if (m.type == "bind") mounts.emplace_back(m.target, m.source);
    if (m.type == "volume")
      if (auto v = volumes.inspect(m.source); v) mounts.emplace_back(m.target, v->mountpoint);
  }
  const std::string normal = inner.empty() || inner[0] != '/' ? "/" + inner : inner;
  size_t best = 0;
  for (const auto& [target, host] : mounts) {
    if (!under(normal, target) || target.size() <= best) continue;
    best = target.size();
    struct stat st{};
    if (::stat(host.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      // A file mount: its directory is the root, the file its one entry.
      copy_root = host.substr(0, host.rfind('/'));
      inner = host.substr(host.rfind('/')) + normal.substr(target.size());
    } else {
      copy_root = host;
      inner = normal.size() == target.size() ? "/" : normal.substr(target.size());
    }
  }
  if (from) return engine::copy_out_of_root(copy_root, inner, dest, options);
  return engine::copy_into_root(source, copy_root, inner, options);
}

}  // namespace

void add_exec_commands(CLI::App& app, Globals& g) {
  static bool interactive = false, tty = false, detach = false, follow_link = false, archive = false;
  static std::vector<std::string> env;
  static std::string user, workdir;

  CLI::App* exec = app.add_subcommand("exec", "Run a command in a running container");
  exec->prefix_command();
  exec->add_flag("-i,--interactive", interactive, "Keep stdin open");
  exec->add_flag("-t,--tty", tty, "Allocate a pseudo-terminal");
  exec->add_flag("-d,--detach", detach, "Run in the background");
  exec->add_option("-e,--env", env, "Set an environment variable");
  exec->add_option("-u,--user", user, "User (name|uid[:group|gid])");
  exec->add_option("-w,--workdir", workdir, "Working directory");
  for (CLI::Option* option : exec->get_options()) option->allow_extra_args(false);
  exec->callback([&g, exec] {
    auto rest = exec->remaining();
    if (rest.empty()) return fail(g, "exec: a container is required: minirun exec [OPTIONS] CONTAINER COMMAND [ARG...]", 125);
    engine::Engine engine = g.engine();
    std::vector<std::string> command(rest.begin() + 1, rest.end());
    if (!interactive && !tty) {
      // Without -i the command's stdin is empty, as in Docker.
      int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null_fd >= 0) {
        ::dup2(null_fd, 0);
        ::close(null_fd);
      }
    }
    auto code = exec_in(engine, rest[0], command, env, user, workdir, tty && ::isatty(0), detach);
    if (!code) return fail(g, code.error().what(), 126);
    g.exit_code = *code;
  });

  static std::string source, dest;
  CLI::App* cp = app.add_subcommand("cp", "Copy files between a container and the host (CONTAINER:PATH on one side)");
  cp->add_option("source", source, "SOURCE (host path or CONTAINER:PATH)")->required();
  cp->add_option("dest", dest, "DEST (host path or CONTAINER:PATH)")->required();
  cp->add_flag("-L,--follow-link", follow_link, "Follow a symlink given as SOURCE");
  cp->add_flag("-a,--archive", archive, "Keep uid/gid of the files");
  cp->callback([&g] {
    engine::Engine engine = g.engine();
    engine::CopyOptions options;
    options.follow_link = follow_link;
    options.archive = archive;
    if (auto r = copy_files(engine, source, dest, options); !r) fail(g, r.error().what());
  });
}

}  // namespace minirun::cmd
