/**
 * @file describe.cpp
 * @brief Instructions as history/cache text; see describe.hpp.
 */
#include "imagebuilder/build/describe.hpp"

#include <nlohmann/json.hpp>

namespace imagebuilder::build {

namespace {

std::string join(const std::vector<std::string>& words, const std::string& sep = " ") {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += sep;
    out += words[i];
  }
  return out;
}

std::string pairs_text(const std::vector<spec::KeyValue>& pairs) {
  std::vector<std::string> words;
  for (const auto& kv : pairs) words.push_back(kv.key + "=" + kv.value);
  return join(words);
}

/// Exec form as JSON (`CMD ["sh"]`), shell form as the shell runs it.
std::string command_text(const spec::CommandLine& command, const std::vector<std::string>& shell) {
  if (command.shell_form) return join(command_argv(command, shell));
  return nlohmann::json(command.args).dump();
}

std::string flag(const char* name, const std::string& value) {
  return value.empty() ? "" : std::string("--") + name + "=" + value + " ";
}

}  // namespace

std::vector<std::string> command_argv(const spec::CommandLine& command, const std::vector<std::string>& shell) {
  if (!command.shell_form) return command.args;
  std::vector<std::string> argv = shell.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : shell;
  argv.push_back(command.args.empty() ? "" : command.args[0]);
  return argv;
}

std::string describe(const spec::Instruction& instruction, const std::vector<std::string>& shell) {
  return std::visit(
      [&](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, spec::Run>) {
          return "RUN " + (c.network == "default" ? "" : "--network=" + c.network + " ") + command_text(c.command, shell);
        } else if constexpr (std::is_same_v<T, spec::Copy>) {
          return "COPY " + flag("from", c.from) + flag("chown", c.chown) + flag("chmod", c.chmod) + join(c.sources) +
                 " " + c.dest;
        } else if constexpr (std::is_same_v<T, spec::Add>) {
          return "ADD " + flag("chown", c.chown) + flag("chmod", c.chmod) + join(c.sources) + " " + c.dest;
        } else if constexpr (std::is_same_v<T, spec::Env>) {
          return "ENV " + pairs_text(c.pairs);
        } else if constexpr (std::is_same_v<T, spec::Label>) {
          return "LABEL " + pairs_text(c.pairs);
        } else if constexpr (std::is_same_v<T, spec::Arg>) {
          return "ARG " + c.name + (c.default_value ? "=" + *c.default_value : "");
        } else if constexpr (std::is_same_v<T, spec::Workdir>) {
          return "WORKDIR " + c.path;
        } else if constexpr (std::is_same_v<T, spec::User>) {
          return "USER " + c.user;
        } else if constexpr (std::is_same_v<T, spec::Cmd>) {
          return "CMD " + command_text(c.command, shell);
        } else if constexpr (std::is_same_v<T, spec::Entrypoint>) {
          return "ENTRYPOINT " + command_text(c.command, shell);
        } else if constexpr (std::is_same_v<T, spec::Expose>) {
          return "EXPOSE " + join(c.ports);
        } else if constexpr (std::is_same_v<T, spec::Volume>) {
          return "VOLUME " + nlohmann::json(c.paths).dump();
        } else if constexpr (std::is_same_v<T, spec::Healthcheck>) {
          return c.none ? "HEALTHCHECK NONE" : "HEALTHCHECK " + nlohmann::json(c.test).dump();
        } else if constexpr (std::is_same_v<T, spec::Shell>) {
          return "SHELL " + nlohmann::json(c.shell).dump();
        } else if constexpr (std::is_same_v<T, spec::Stopsignal>) {
          return "STOPSIGNAL " + c.signal;
        } else if constexpr (std::is_same_v<T, spec::Onbuild>) {
          return "ONBUILD " + c.expression;
        } else {
          return "MAINTAINER " + c.name;
        }
      },
      instruction.command);
}

}  // namespace imagebuilder::build
