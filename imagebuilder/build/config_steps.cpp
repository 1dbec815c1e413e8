/**
 * @file config_steps.cpp
 * @brief ENV, LABEL, CMD, ENTRYPOINT, USER, WORKDIR, ...: instructions that change only
 *        the image config (Docker records them in the history as empty layers).
 */
#include <algorithm>

#include "imagebuilder/build/copy_step.hpp"
#include "imagebuilder/build/describe.hpp"
#include "imagebuilder/build/stage_builder.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;

namespace {

/// Sets NAME=value in a `NAME=value` list, replacing an earlier NAME.
void set_env(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  std::string prefix = name + "=";
  auto it = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  if (it != env.end()) {
    *it = prefix + value;
  } else {
    env.push_back(prefix + value);
  }
}

/// `80` -> `80/tcp`; `53/UDP` -> `53/udp`.
Result<std::string> normalize_port(const std::string& port) {
  std::string number = port, protocol = "tcp";
  if (auto slash = port.find('/'); slash != std::string::npos) {
    number = port.substr(0, slash);
    protocol = port.substr(slash + 1);
    std::transform(protocol.begin(), protocol.end(), protocol.begin(), ::tolower);
  }
  bool digits = !number.empty() && std::all_of(number.begin(), number.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '-';
  });
  if (!digits || (protocol != "tcp" && protocol != "udp" && protocol != "sctp")) {
    return Error("EXPOSE `" + port + "`: expected PORT[/tcp|udp|sctp] or a range like 8000-8010");
  }
  return number + "/" + protocol;
}

}  // namespace

Result<void> apply_config_step(StageState& state, const spec::Instruction& instruction) {
  store::ContainerConfig& c = state.config.config;
  return std::visit(
      [&](const auto& step) -> Result<void> {
        using T = std::decay_t<decltype(step)>;
        if constexpr (std::is_same_v<T, spec::Env>) {
          for (const auto& kv : step.pairs) set_env(c.env, kv.key, kv.value);
        } else if constexpr (std::is_same_v<T, spec::Label>) {
          for (const auto& kv : step.pairs) c.labels[kv.key] = kv.value;
        } else if constexpr (std::is_same_v<T, spec::Workdir>) {
          // `WORKDIR rel` continues from the current directory, cleaned as a COPY
          // destination is (`..` stops at `/`).
          c.working_dir = image_dest_path(step.path, c.working_dir.empty() ? "/" : c.working_dir);
        } else if constexpr (std::is_same_v<T, spec::User>) {
          c.user = step.user;
        } else if constexpr (std::is_same_v<T, spec::Cmd>) {
          c.cmd = command_argv(step.command, c.shell);
        } else if constexpr (std::is_same_v<T, spec::Entrypoint>) {
          c.entrypoint = command_argv(step.command, c.shell);
          // Docker: a CMD inherited from the base image is dropped when ENTRYPOINT is
          // set, since it was written for another entrypoint; a CMD of this stage stays.
          if (!state.cmd_set) c.cmd.clear();
        } else if constexpr (std::is_same_v<T, spec::Expose>) {
          for (const auto& port : step.ports) {
            auto normalized = normalize_port(port);
            if (!normalized) return std::move(normalized.error());
            c.exposed_ports.insert(*normalized);
          }
        } else if constexpr (std::is_same_v<T, spec::Volume>) {
          for (const auto& path : step.paths) {
            if (path.empty() || path[0] != '/') {
              return Error("VOLUME `" + path + "`: the path must be absolute");
            }
            c.volumes.insert(path);
          }
        } else if constexpr (std::is_same_v<T, spec::Healthcheck>) {
          store::Healthcheck h;
          if (step.none) {
            h.test = {"NONE"};
          } else {
            h.test = step.test;
            h.interval = step.interval.count();
            h.timeout = step.timeout.count();
            h.start_period = step.start_period.count();
            h.start_interval = step.start_interval.count();
            h.retries = step.retries;
          }
          c.healthcheck = h;
        } else if constexpr (std::is_same_v<T, spec::Shell>) {
          c.shell = step.shell;
        } else if constexpr (std::is_same_v<T, spec::Stopsignal>) {
          c.stop_signal = step.signal;
        } else if constexpr (std::is_same_v<T, spec::Onbuild>) {
          c.on_build.push_back(step.expression);
        } else if constexpr (std::is_same_v<T, spec::Maintainer>) {
          state.config.author = step.name;
        } else {
          return Error("internal: `" + instruction.keyword + "` is not a config step");
        }
        return minirun::sys::ok();
      },
      instruction.command);
}

}  // namespace imagebuilder::build
