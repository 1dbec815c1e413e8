/**
 * @file instructions.hpp
 * @brief Parse nodes -> typed instructions, grouped into build stages.
 *
 * The parser (parser.hpp) only knows words. This layer knows what each
 * instruction means and refuses what cannot be built, each error with
 * `Dockerfile:LINE:COLUMN:` in front, as BuildKit's
 * frontend/dockerfile/instructions package does:
 *  - every instruction's flags are checked (flags.hpp): `COPY --frm=x` fails;
 *  - argument counts: `COPY onlyone`, `WORKDIR` with nothing, `FROM a b`;
 *  - multi-stage rules: a Dockerfile needs a FROM; only ARG may come before the
 *    first FROM (those "global" ARGs are kept apart: they apply to FROM lines
 *    only); stage names are unique, lower case, `[a-z][a-z0-9-_.]*`; `COPY --from`
 *    may name an earlier stage (by name or number) or an image, never its own
 *    stage or a later one;
 *  - values: HEALTHCHECK durations and retries, `--chmod` octal modes, SHELL in
 *    JSON form, RUN `--network` one of default|none|host.
 *
 * Refused because the kit cannot do them (the message says so): `RUN --mount`
 * and `RUN --security`, and ADD from a remote URL (the kit builds offline).
 * `FROM --platform` is kept but has no effect: the kit builds for the host
 * platform only, and says so in Dockerfile::warnings.
 *
 * Variables are NOT expanded here: the build engine expands each instruction
 * with the ENV and ARG values in effect at its step (expand_instruction(), and
 * takes_expansion() for which instructions take part), as BuildKit does.
 * Lab: labs/07-build-cache.
 */
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imagebuilder/spec/parser.hpp"
#include "imagebuilder/spec/shell_words.hpp"

namespace imagebuilder::spec {

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};

/// RUN/CMD/ENTRYPOINT: exec form (argv) or shell form (one string, run by SHELL).
struct CommandLine {
  std::vector<std::string> args;
  bool shell_form = false;  ///< true: args[0] is text for `/bin/sh -c` (or SHELL)
};

struct Run {
  CommandLine command;
  std::string network = "default";  ///< "default", "none" or "host"
};
struct Copy {
  std::vector<std::string> sources;
  std::string dest;
  std::string from;                       ///< --from as written ("" when absent)
  std::optional<std::size_t> from_stage;  ///< resolved earlier stage, when --from names one
  std::string chown;
  std::string chmod;                      ///< as written, checked octal unless it holds `$`
  bool link = false;
};
struct Add {
  std::vector<std::string> sources;  ///< local paths or archives, or file:// URLs
  std::string dest;
  std::string chown;
  std::string chmod;
  std::string checksum;
  bool link = false;
};
struct Env { std::vector<KeyValue> pairs; };
struct Arg {
  std::string name;
  std::optional<std::string> default_value;
  bool operator==(const Arg&) const = default;
};
struct Workdir { std::string path; };
struct User { std::string user; };
struct Cmd { CommandLine command; };
struct Entrypoint { CommandLine command; };
struct Expose { std::vector<std::string> ports; };
struct Label { std::vector<KeyValue> pairs; };
struct Volume { std::vector<std::string> paths; };
struct Healthcheck {
  bool none = false;               ///< HEALTHCHECK NONE: disable the base image's check
  std::vector<std::string> test;   ///< {"CMD", argv...} or {"CMD-SHELL", text}
  std::chrono::nanoseconds interval{0}, timeout{0}, start_period{0}, start_interval{0};  ///< 0: default
  int retries = 0;                                                                         ///< 0: default
};
struct Shell { std::vector<std::string> shell; };
struct Stopsignal { std::string signal; };
struct Onbuild { std::string expression; };  ///< the trigger's text, run in child builds
struct Maintainer { std::string name; };      ///< deprecated; becomes the image "author"

using Command = std::variant<Run, Copy, Add, Env, Arg, Workdir, User, Cmd, Entrypoint, Expose, Label, Volume,
                             Healthcheck, Shell, Stopsignal, Onbuild, Maintainer>;

/// One instruction: what it does plus where it came from.
struct Instruction {
  std::string keyword;   ///< lower case
  std::string original;  ///< source text, trimmed (for history and cache keys)
  Location where;
  Command command;
};

/// One `FROM ... [AS name]` and the instructions up to the next FROM.
struct Stage {
  std::string base;                       ///< image or earlier stage, not yet expanded
  std::string name;                       ///< lower case; "" when unnamed
  std::string platform;                   ///< --platform as written (ignored; see warnings)
  std::optional<std::size_t> base_stage;  ///< when `base` names an earlier stage
  Location where;
  std::vector<Instruction> instructions;
};

struct Dockerfile {
  std::vector<Arg> global_args;  ///< ARGs before the first FROM
  std::vector<Stage> stages;
  std::vector<std::string> warnings;
  char escape = '\\';
  std::string file_name = "Dockerfile";
};

/// Builds and checks the typed instructions of a parsed Dockerfile.
Result<Dockerfile> build_instructions(const ParsedDockerfile& parsed);

/// parse_dockerfile() then build_instructions().
Result<Dockerfile> load_dockerfile(std::string_view text, std::string_view file_name = "Dockerfile");

/// Converts one node, without the stage rules (used for ONBUILD triggers too).
/// One node gives one instruction, except `ARG a b=1`, which gives one per name.
Result<std::vector<Instruction>> convert_node(const Node& node, std::string_view file_name = "Dockerfile");

/// True for an octal file mode of 1 to 5 digits, at most 07777 (`--chmod=0755`).
bool is_octal_mode(std::string_view text);

/// What kind of source an ADD argument is.
enum class AddSourceKind { kLocal, kFileUrl, kRemoteUrl };
AddSourceKind add_source_kind(std::string_view source);

/// Whether BuildKit expands variables in this instruction's words: ADD ARG COPY
/// ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR. (ONBUILD triggers are
/// expanded when they run in the child build; RUN/CMD/ENTRYPOINT are left to the shell.)
bool takes_expansion(std::string_view lower_keyword);

/// The instruction with its words expanded under `env` (a copy; others unchanged).
Result<Instruction> expand_instruction(const Instruction& instruction, const Environment& env, char escape,
                                       std::string_view file_name = "Dockerfile");

}  // namespace imagebuilder::spec
