/**
 * @file instructions.cpp
 * @brief Stages: FROM lines, global ARGs, and where `COPY --from` may point.
 *
 * Two passes over the nodes. The first reads every FROM, so that the second
 * can tell "a stage defined later" (an error: stages build in order, a stage
 * cannot copy from one that does not exist yet) from "an image" (a name no stage
 * has). The second pass converts each node (instruction_commands.cpp) and files
 * it under the current stage. Stage names compare case-insensitively, as in
 * BuildKit; they are stored in lower case.
 */
#include "imagebuilder/spec/instructions.hpp"

#include <algorithm>

#include "imagebuilder/spec/flags.hpp"
#include "imagebuilder/spec/go_text.hpp"

namespace imagebuilder::spec {
namespace {

/// BuildKit's rule for stage names: `^[a-z][a-z0-9-_.]*$` (after lower-casing).
bool is_valid_stage_name(std::string_view name) {
  if (name.empty() || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool is_number(std::string_view text) {
  return !text.empty() && text.size() < 10 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Reads one FROM node into a stage header (no instructions yet).
Result<Stage> read_from(const Node& node, std::string_view file_name) {
  FlagSet flags("FROM");
  flags.add_string("platform");
  if (std::string e = flags.parse(node.flags); !e.empty()) return error_at(file_name, node.where, e);
  const auto& args = node.args;
  const bool named = args.size() == 3 && to_lower_ascii(args[1]) == "as";
  if (!(args.size() == 1 || named)) {
    return error_at(file_name, node.where, "FROM requires either one or three arguments (FROM image [AS name])");
  }
  Stage stage;
  stage.base = args[0];
  stage.platform = flags.string_value("platform").value_or("");
  stage.where = node.where;
  if (named) {
    stage.name = to_lower_ascii(args[2]);
    if (!is_valid_stage_name(stage.name)) {
      return error_at(file_name, node.where,
                      "invalid name for build stage: " + go_quote(args[2]) +
                          ", name can't start with a number or contain symbols");
    }
  }
  return stage;
}

/// Resolves `COPY --from` against the stages; `current` is the COPY's stage.
Result<void> resolve_copy_from(Copy& copy, const std::vector<Stage>& all, std::size_t current,
                               std::string_view file_name, const Location& where) {
  if (copy.from.empty() || copy.from.find('$') != std::string::npos) return minirun::sys::ok();
  if (is_number(copy.from)) {
    std::size_t index = std::stoul(copy.from);
    if (index >= current) {
      std::string earlier = current == 0 ? "there is no earlier stage"
                                         : "only stages 0 to " + std::to_string(current - 1) + " come before it";
      return error_at(file_name, where,
                      "COPY --from=" + copy.from + " refers to stage " + std::to_string(index) +
                          ", which is not an earlier stage (" + earlier + ")");
    }
    copy.from_stage = index;
    return minirun::sys::ok();
  }
  const std::string wanted = to_lower_ascii(copy.from);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].name != wanted) continue;
    if (i == current) return error_at(file_name, where, "COPY --from=" + copy.from + " refers to the stage it is in");
    if (i > current) {
      return error_at(file_name, where,
                      "COPY --from=" + copy.from + " refers to a later stage (line " +
                          std::to_string(all[i].where.line) + "); a stage can only copy from earlier stages");
    }
    copy.from_stage = i;
    return minirun::sys::ok();
  }
  return minirun::sys::ok();  // not a stage: an image reference
}

}  // namespace

Result<Dockerfile> build_instructions(const ParsedDockerfile& parsed) {
  const std::string_view file = parsed.file_name;
  Dockerfile out;
  out.escape = parsed.escape;
  out.file_name = parsed.file_name;
  out.warnings = parsed.warnings;

  // Pass 1: every stage header, in order, with duplicate names refused.
  std::vector<Stage> headers;
  for (const Node& node : parsed.nodes) {
    if (node.keyword != "from") continue;
    auto stage = read_from(node, file);
    if (!stage) return std::move(stage).error();
    for (const Stage& earlier : headers) {
      if (!stage->name.empty() && earlier.name == stage->name) {
        return error_at(file, node.where,
                        "duplicate stage name " + go_quote(stage->name) + " (first defined on line " +
                            std::to_string(earlier.where.line) + ")");
      }
    }
    headers.push_back(std::move(*stage));
  }
  if (headers.empty()) {
    const Location where = parsed.nodes.empty() ? Location{1, 1, 0} : parsed.nodes.front().where;
    return error_at(file, where, "no FROM instruction: a build needs a base image (FROM image, or FROM scratch)");
  }

  // Pass 2: instructions into stages.
  for (const Node& node : parsed.nodes) {
    if (node.keyword == "from") {
      Stage stage = headers[out.stages.size()];
      const std::size_t index = out.stages.size();
      const std::string base = to_lower_ascii(stage.base);
      for (std::size_t i = 0; i < index; ++i) {
        if (!headers[i].name.empty() && headers[i].name == base) stage.base_stage = i;
      }
      if (!stage.platform.empty()) {
        out.warnings.push_back(std::string(file) + ":" + std::to_string(node.where.line) + ": FROM --platform=" +
                               stage.platform + " is ignored: imagebuilder builds for the host platform only");
      }
      out.stages.push_back(std::move(stage));
      continue;
    }
    if (out.stages.empty() && node.keyword != "arg") {
      std::string keyword = node.keyword;
      for (char& c : keyword) c = static_cast<char>(c - 'a' + 'A');
      return error_at(file, node.where, keyword + " before the first FROM: only ARG may come before FROM");
    }
    auto converted = convert_node(node, file);
    if (!converted) return std::move(converted).error();
    if (out.stages.empty()) {
      for (Instruction& instruction : *converted) out.global_args.push_back(std::get<Arg>(instruction.command));
      continue;
    }
    const std::size_t current = out.stages.size() - 1;
    for (Instruction& instruction : *converted) {
      if (auto* copy = std::get_if<Copy>(&instruction.command)) {
        auto resolved = resolve_copy_from(*copy, headers, current, file, node.where);
        if (!resolved) return std::move(resolved).error();
      }
      out.stages[current].instructions.push_back(std::move(instruction));
    }
  }
  return out;
}

Result<Dockerfile> load_dockerfile(std::string_view text, std::string_view file_name) {
  auto parsed = parse_dockerfile(text, file_name);
  if (!parsed) return std::move(parsed).error();
  return build_instructions(*parsed);
}

}  // namespace imagebuilder::spec
