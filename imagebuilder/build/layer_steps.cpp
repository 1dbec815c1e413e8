/**
 * @file layer_steps.cpp
 * @brief RUN, COPY and ADD: the instructions that make a layer.
 *
 * Each mounts the image built so far as a writable overlay (step_rootfs.hpp), changes
 * files in it (a container for RUN, copy_step.hpp for COPY/ADD), unmounts, and commits
 * the overlay's upper dir as the new top layer (commit_layer.hpp).
 */
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "imagebuilder/build/base_images.hpp"
#include "imagebuilder/build/commit_layer.hpp"
#include "imagebuilder/build/copy_step.hpp"
#include "imagebuilder/build/describe.hpp"
#include "imagebuilder/build/run_step.hpp"
#include "imagebuilder/build/stage_builder.hpp"
#include "imagebuilder/build/step_rootfs.hpp"
#include "imagebuilder/store/unpacked_layers.hpp"
#include "minirun/runtime/user_lookup.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/mount.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;
using minirun::sys::UniqueFd;

namespace {

constexpr const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Where COPY/ADD read from: the build context, or a read-only view of a stage/image.
struct SourceRoot {
  UniqueFd fd;
  std::optional<StepRootfs> view;  ///< keeps the view mounted while fd is used
  ExcludedFn excluded;
  std::string shown;  ///< "the build context", "stage `builder`"
};

Result<SourceRoot> open_source_root(BuildShared& shared, const spec::Instruction& instruction) {
  SourceRoot root;
  const auto* copy = std::get_if<spec::Copy>(&instruction.command);
  if (copy == nullptr || copy->from.empty()) {
    int fd = ::fcntl(shared.context_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return Error::from_errno("dup", "build context");
    root.fd.reset(fd);
    root.excluded = shared.excluded;
    root.shown = "the build context";
    return root;
  }
  // --from: an earlier stage (by name or number), else an image.
  store::Image image;
  if (copy->from_stage) {
    image = shared.finished[*copy->from_stage]->as_image();
    root.shown = "stage `" + copy->from + "`";
  } else {
    auto resolved = is_builtin_busybox(copy->from) ? ensure_busybox_image(shared.store)
                                                   : shared.store.resolve(copy->from);
    if (!resolved) return Error("--from=" + copy->from + ": not a stage of this Dockerfile, and " + resolved.error().what());
    image = std::move(*resolved);
    root.shown = "image `" + copy->from + "`";
  }
  auto lowers = store::lower_dirs(shared.store, image);
  if (!lowers) return std::move(lowers.error());
  auto view = StepRootfs::create(shared.store, *lowers, /*writable=*/false);
  if (!view) return std::move(view.error());
  auto fd = minirun::sys::open_file(view->path(), O_PATH | O_DIRECTORY);
  if (!fd) return std::move(fd.error());
  root.fd = std::move(*fd);
  root.view.emplace(std::move(*view));
  return root;
}

const std::vector<std::string>& sources_of(const spec::Instruction& instruction) {
  if (const auto* copy = std::get_if<spec::Copy>(&instruction.command)) return copy->sources;
  return std::get<spec::Add>(instruction.command).sources;
}

/// The matched sources of a COPY/ADD (URL sources of ADD kept as written), and,
/// when `inputs` is given, their digests for the cache key.
Result<std::vector<std::string>> resolve_sources(const spec::Instruction& instruction, const SourceRoot& root,
                                                 CacheInputs* inputs) {
  const bool is_add = std::holds_alternative<spec::Add>(instruction.command);
  std::vector<std::string> matched;
  for (const auto& pattern : sources_of(instruction)) {
    if (is_add) {
      auto url = add_url_host_path(pattern);
      if (!url) return std::move(url.error());
      if (*url) {
        if (inputs != nullptr) {
          auto digest = store::digest_file(**url);
          if (!digest) return std::move(digest.error()).context("ADD " + pattern);
          inputs->sources[pattern] = digest->str();
        }
        matched.push_back(pattern);
        continue;
      }
    }
    auto found = match_sources(root.fd.get(), pattern, root.excluded, root.shown);
    if (!found) return std::move(found.error());
    for (const auto& relative : *found) {
      if (inputs != nullptr) {
        auto digest = source_digest(root.fd.get(), relative, root.excluded);
        if (!digest) return std::move(digest.error());
        inputs->sources[relative] = *digest;
      }
      matched.push_back(relative);
    }
  }
  return matched;
}

/// The RUN environment: the image's ENV, the ARGs ENV does not override, and a PATH.
std::vector<std::string> run_environment(const StageState& state) {
  std::vector<std::string> env = state.config.config.env;
  auto has = [&](const std::string& name) {
    for (const auto& e : env) {
      if (e.rfind(name + "=", 0) == 0) return true;
    }
    return false;
  };
  for (const auto& [name, value] : state.args.entries()) {
    if (!has(name)) env.push_back(name + "=" + value);
  }
  if (!has("PATH")) env.push_back(kDefaultPath);
  return env;
}

std::string network_mode(const BuildShared& shared, const spec::Run& run) {
  if (run.network != "default") return run.network;
  return shared.options.host_network ? "host" : "none";
}

/// Runs `step`; with `-q`, the container's output is kept in a file and shown only
/// when the step fails (docker build -q does the same).
Result<int> run_quietly_or_not(BuildShared& shared, const RunStep& step, StepRootfs& rootfs) {
  std::string bundle = rootfs.scratch() + "/bundle";
  if (shared.out != nullptr) return run_step(step, rootfs.path(), bundle, shared.options.state_root);
  std::string log_path = rootfs.scratch() + "/output.log";
  UniqueFd log(::open(log_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log) return Error::from_errno("open", log_path);
  std::fflush(stdout);
  std::fflush(stderr);
  UniqueFd saved_out(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)), saved_err(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0));
  ::dup2(log.get(), STDOUT_FILENO);
  ::dup2(log.get(), STDERR_FILENO);
  auto code = run_step(step, rootfs.path(), bundle, shared.options.state_root);
  ::dup2(saved_out.get(), STDOUT_FILENO);
  ::dup2(saved_err.get(), STDERR_FILENO);
  if (!code || *code != 0) {
    if (auto text = minirun::sys::read_file(log_path)) std::fputs(text->c_str(), stderr);
  }
  return code;
}

Result<void> run_run(BuildShared& shared, StageState& state, const spec::Run& run, StepRootfs& rootfs) {
  RunStep step;
  step.argv = command_argv(run.command, state.config.config.shell);
  step.env = run_environment(state);
  step.cwd = state.config.config.working_dir.empty() ? "/" : state.config.config.working_dir;
  step.host_network = network_mode(shared, run) == "host";
  auto user = minirun::runtime::resolve_user_in_rootfs(rootfs.path(), state.config.config.user);
  if (!user) return std::move(user.error()).context("USER");
  step.user = *user;
  // WORKDIR makes its directory when it is first needed; the runtime wants it to exist.
  auto root_fd = minirun::sys::open_file(rootfs.path(), O_PATH | O_DIRECTORY);
  if (!root_fd) return std::move(root_fd.error());
  auto cwd = minirun::sys::open_in_root(root_fd->get(), step.cwd, minirun::sys::CreateAs::directory, step.cwd);
  if (!cwd) return std::move(cwd.error()).context("WORKDIR");

  auto code = run_quietly_or_not(shared, step, rootfs);
  if (!code) return std::move(code.error());
  if (*code != 0) {
    std::string command;
    for (const auto& word : step.argv) command += (command.empty() ? "" : " ") + word;
    return Error("the command `" + command + "` returned a non-zero code: " + std::to_string(*code));
  }
  return minirun::sys::ok();
}

Result<void> run_copy(BuildShared& shared, StageState& state, const spec::Instruction& instruction,
                      StepRootfs& rootfs) {
  auto root = open_source_root(shared, instruction);
  if (!root) return std::move(root.error());
  auto sources = resolve_sources(instruction, *root, nullptr);
  if (!sources) return std::move(sources.error());
  CopyRequest request;
  request.source_root_fd = root->fd.get();
  request.sources = *sources;
  request.source_arguments = sources_of(instruction).size();
  request.workdir = state.config.config.working_dir.empty() ? "/" : state.config.config.working_dir;
  request.excluded = root->excluded;
  std::string chown, chmod;
  if (const auto* copy = std::get_if<spec::Copy>(&instruction.command)) {
    request.dest = copy->dest;
    chown = copy->chown;
    chmod = copy->chmod;
  } else {
    const auto& add = std::get<spec::Add>(instruction.command);
    request.dest = add.dest;
    request.is_add = true;
    chown = add.chown;
    chmod = add.chmod;
  }
  if (!chown.empty()) request.chown = chown;
  if (!chmod.empty()) {
    if (!spec::is_octal_mode(chmod)) return Error("--chmod=" + chmod + ": expected an octal mode such as 0755");
    request.chmod = static_cast<mode_t>(std::strtoul(chmod.c_str(), nullptr, 8));
  }
  auto stats = copy_sources(request, rootfs.path());
  if (!stats) return std::move(stats.error());
  return minirun::sys::ok();
}

}  // namespace

Result<void> add_layer_step_inputs(BuildShared& shared, const StageState& state, const spec::Instruction& instruction,
                                   CacheInputs& inputs) {
  if (const auto* run = std::get_if<spec::Run>(&instruction.command)) {
    for (const auto& entry : state.config.config.env) {
      auto eq = entry.find('=');
      inputs.environment["ENV " + entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
    for (const auto& [name, value] : state.args.entries()) inputs.environment["ARG " + name] = value;
    inputs.environment["user"] = state.config.config.user;
    inputs.environment["workdir"] = state.config.config.working_dir;
    inputs.environment["network"] = network_mode(shared, *run);
    return minirun::sys::ok();
  }
  inputs.environment["workdir"] = state.config.config.working_dir;
  auto root = open_source_root(shared, instruction);
  if (!root) return std::move(root.error());
  auto sources = resolve_sources(instruction, *root, &inputs);
  if (!sources) return std::move(sources.error());
  return minirun::sys::ok();
}

Result<void> run_layer_step(BuildShared& shared, StageState& state, const spec::Instruction& instruction) {
  auto lowers = store::lower_dirs(shared.store, state.as_image());
  if (!lowers) return std::move(lowers.error());
  auto rootfs = StepRootfs::create(shared.store, *lowers, /*writable=*/true);
  if (!rootfs) return std::move(rootfs.error());
  const auto* run = std::get_if<spec::Run>(&instruction.command);
  auto changed = run != nullptr ? run_run(shared, state, *run, *rootfs) : run_copy(shared, state, instruction, *rootfs);
  if (!changed) return std::move(changed.error());
  rootfs->unmount();
  auto layer = commit_layer(shared.store, rootfs->upper());
  if (!layer) return std::move(layer.error());
  state.layers.push_back(layer->blob);
  state.config.diff_ids.push_back(layer->diff_id);
  return minirun::sys::ok();
}

}  // namespace imagebuilder::build
