/**
 * @file stage_builder.cpp
 * @brief The per-instruction loop of one stage: expand, key, cache or execute.
 */
#include "imagebuilder/build/stage_builder.hpp"

#include <chrono>

#include "imagebuilder/build/base_images.hpp"
#include "imagebuilder/build/describe.hpp"
#include "minirun/sys/stamps.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;

store::Image StageState::as_image() const {
  store::Image image;
  image.config = config;
  image.manifest.layers = layers;
  return image;
}

spec::Environment expansion_environment(const StageState& state) {
  spec::Environment env = state.args;
  for (const auto& entry : state.config.config.env) {
    auto eq = entry.find('=');
    if (eq != std::string::npos) env.set(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

namespace {

bool is_layer_step(const spec::Instruction& instruction) {
  return std::holds_alternative<spec::Run>(instruction.command) ||
         std::holds_alternative<spec::Copy>(instruction.command) ||
         std::holds_alternative<spec::Add>(instruction.command);
}

void say(const BuildShared& shared, const std::string& line) {
  if (shared.out != nullptr) {
    std::fprintf(shared.out, "%s\n", line.c_str());
    std::fflush(shared.out);
  }
}

/// `ARG NAME[=default]` in a stage: --build-arg wins, then a global ARG of the same
/// name (only when this one has no default), then the default. No value: declared but
/// unset, as in Docker.
void declare_arg(BuildShared& shared, StageState& state, const spec::Arg& arg) {
  std::optional<std::string> value;
  if (auto it = shared.options.build_args.find(arg.name); it != shared.options.build_args.end()) {
    value = it->second;
    shared.used_build_args[arg.name] = true;
  } else if (const std::string* global = shared.global_args.find(arg.name); global && !arg.default_value) {
    value = *global;
  } else if (arg.default_value) {
    auto expanded = spec::expand_word(*arg.default_value, expansion_environment(state), shared.dockerfile.escape);
    value = expanded ? *expanded : *arg.default_value;
  }
  if (value) state.args.set(arg.name, *value);
}

Result<void> run_instruction(BuildShared& shared, StageState& state, const spec::Instruction& instruction) {
  ++shared.step;
  say(shared, "Step " + std::to_string(shared.step) + "/" + std::to_string(shared.total_steps) + " : " +
                  instruction.original);
  auto started = std::chrono::steady_clock::now();
  if (const auto* arg = std::get_if<spec::Arg>(&instruction.command)) {
    // ARG changes no image and no key by itself: a RUN after it sees the value in its
    // environment, which is part of the RUN's key (Docker: "a cache miss occurs upon
    // its first usage, not its definition").
    declare_arg(shared, state, *arg);
    return minirun::sys::ok();
  }
  if (std::holds_alternative<spec::Cmd>(instruction.command)) state.cmd_set = true;

  spec::Instruction expanded = instruction;
  if (spec::takes_expansion(instruction.keyword)) {
    auto e = spec::expand_instruction(instruction, expansion_environment(state), shared.dockerfile.escape,
                                      shared.dockerfile.file_name);
    if (!e) return std::move(e.error());
    expanded = std::move(*e);
  }
  const bool layer_step = is_layer_step(expanded);
  CacheInputs inputs;
  inputs.parent = state.cache_parent;
  inputs.instruction = describe(expanded, state.config.config.shell);
  if (layer_step) MINIRUN_TRY(add_layer_step_inputs(shared, state, expanded, inputs), instruction.original);
  const store::Digest key = cache_key(inputs);

  if (!shared.options.no_cache) {
    if (auto record = shared.cache.lookup(inputs)) {
      state.config = std::move(record->config);
      state.layers = std::move(record->layers);
      state.cache_parent = key.str();
      ++shared.cached_steps;
      say(shared, " ---> Using cache");
      say(shared, " ---> " + key.short_id());
      return minirun::sys::ok();
    }
    if (shared.options.explain_cache) {
      for (const auto& line : explain_cache_miss(inputs, shared.cache.siblings(inputs.parent))) {
        say(shared, " ---> Cache miss: " + line);
      }
    }
  }

  if (layer_step) {
    MINIRUN_TRY(run_layer_step(shared, state, expanded), instruction.original);
  } else {
    MINIRUN_TRY(apply_config_step(state, expanded), instruction.original);
  }
  std::string now = minirun::sys::now_rfc3339();
  state.config.created = now;
  state.config.history.push_back({now, inputs.instruction, "", "", !layer_step});
  // A failed save costs the next build a rerun of this step, not this build.
  if (auto saved = shared.cache.save({inputs, state.config, state.layers}); !saved) {
    say(shared, " ---> warning: build cache not saved: " + saved.error().what());
  }
  state.cache_parent = key.str();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char timing[32];
  std::snprintf(timing, sizeof timing, " (%.2fs)", seconds);
  say(shared, " ---> " + key.short_id() + timing);
  return minirun::sys::ok();
}

/// The state a `FROM` starts with.
Result<StageState> start_stage(BuildShared& shared, const spec::Stage& stage) {
  StageState state;
  if (stage.base_stage) {
    state = *shared.finished[*stage.base_stage];
    state.args = spec::Environment();
    state.cmd_set = false;
    return state;
  }
  auto base = spec::expand_word(stage.base, shared.global_args, shared.dockerfile.escape);
  if (!base) return std::move(base.error()).context("FROM " + stage.base);
  if (*base == "scratch") {
    state.cache_parent = "scratch";
    return state;
  }
  auto image = is_builtin_busybox(*base) ? ensure_busybox_image(shared.store) : shared.store.resolve(*base);
  if (!image) {
    return Error("FROM `" + *base + "`: " + image.error().what() +
                 " (this kit pulls nothing: use `scratch`, the built-in `busybox`, an image built here, or one "
                 "brought in with `imagebuilder load` / `imagebuilder import`)");
  }
  state.config = image->config;
  state.layers = image->manifest.layers;
  state.cache_parent = "image " + image->id.str();
  return state;
}

}  // namespace

Result<void> build_stage(BuildShared& shared, std::size_t index) {
  const spec::Stage& stage = shared.dockerfile.stages[index];
  ++shared.step;
  say(shared, "Step " + std::to_string(shared.step) + "/" + std::to_string(shared.total_steps) + " : FROM " +
                  stage.base + (stage.name.empty() ? "" : " AS " + stage.name));
  auto started = start_stage(shared, stage);
  if (!started) {
    return std::move(started.error()).context(shared.dockerfile.file_name + ":" + std::to_string(stage.where.line));
  }
  StageState state = std::move(*started);
  say(shared, " ---> " + (state.cache_parent == "scratch" ? std::string("scratch")
                                                         : store::digest_of(state.cache_parent).short_id()));

  // ONBUILD triggers of the base image run first, then leave the config (Docker: they
  // fire in the direct child only).
  std::vector<std::string> triggers = std::move(state.config.config.on_build);
  state.config.config.on_build.clear();
  for (const auto& trigger : triggers) {
    say(shared, "# Executing ONBUILD trigger: " + trigger);
    auto node = spec::parse_instruction(trigger, shared.dockerfile.escape, stage.where, shared.dockerfile.file_name);
    if (!node) return std::move(node.error()).context("ONBUILD trigger of the base image");
    auto converted = spec::convert_node(*node, shared.dockerfile.file_name);
    if (!converted) return std::move(converted.error()).context("ONBUILD trigger of the base image");
    shared.total_steps += converted->size();
    for (const auto& instruction : *converted) MINIRUN_TRY(run_instruction(shared, state, instruction), "ONBUILD");
  }
  for (const auto& instruction : stage.instructions) {
    MINIRUN_TRY(run_instruction(shared, state, instruction),
                shared.dockerfile.file_name + ":" + std::to_string(instruction.where.line));
  }
  shared.finished[index] = std::move(state);
  return minirun::sys::ok();
}

}  // namespace imagebuilder::build
