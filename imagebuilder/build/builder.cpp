/**
 * @file builder.cpp
 * @brief The whole build: read the Dockerfile, pick the stages, build them, commit.
 */
#include "imagebuilder/build/builder.hpp"

#include <fcntl.h>

#include <functional>

#include "imagebuilder/build/stage_builder.hpp"
#include "imagebuilder/spec/dockerignore.hpp"
#include "minirun/sys/stamps.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;

namespace {

/// The stage `--target` names (by name or number), or the last one.
Result<std::size_t> target_stage(const spec::Dockerfile& dockerfile, const std::string& target) {
  if (target.empty()) return dockerfile.stages.size() - 1;
  std::string names;
  for (std::size_t i = 0; i < dockerfile.stages.size(); ++i) {
    const auto& name = dockerfile.stages[i].name;
    if (name == target || std::to_string(i) == target) return i;
    if (!name.empty()) names += (names.empty() ? "" : ", ") + name;
  }
  return Error("--target `" + target + "`: no such stage in the Dockerfile (named stages: " +
               (names.empty() ? std::string("none") : names) + ")");
}

/// Which stages the target needs: its FROM stage and its COPY --from stages, recursively.
std::vector<bool> needed_stages(const spec::Dockerfile& dockerfile, std::size_t target) {
  std::vector<bool> needed(dockerfile.stages.size(), false);
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (needed[i]) return;
    needed[i] = true;
    const auto& stage = dockerfile.stages[i];
    if (stage.base_stage) visit(*stage.base_stage);
    for (const auto& instruction : stage.instructions) {
      if (const auto* copy = std::get_if<spec::Copy>(&instruction.command); copy && copy->from_stage) {
        visit(*copy->from_stage);
      }
    }
  };
  visit(target);
  return needed;
}

/// `.dockerignore` of the context, as a predicate (nothing excluded when there is none).
Result<ExcludedFn> load_dockerignore(const std::string& context) {
  std::string path = context + "/.dockerignore";
  if (!minirun::sys::path_exists(path)) return ExcludedFn();
  auto text = minirun::sys::read_file(path);
  if (!text) return std::move(text.error());
  auto rules = spec::parse_dockerignore(*text, path);
  if (!rules) return std::move(rules.error());
  auto shared_rules = std::make_shared<spec::IgnoreRules>(std::move(*rules));
  return ExcludedFn([shared_rules](std::string_view relative) { return shared_rules->excluded(relative); });
}

}  // namespace

Result<BuildResult> build_image(store::ImageStore& store, const BuildOptions& options, std::FILE* out) {
  std::string dockerfile_path = options.dockerfile.empty() ? options.context + "/Dockerfile" : options.dockerfile;
  auto text = minirun::sys::read_file(dockerfile_path);
  if (!text) {
    return Error("cannot read the Dockerfile `" + dockerfile_path + "`: " + text.error().what() +
                 " (name another one with -f)");
  }
  auto dockerfile = spec::load_dockerfile(*text, options.dockerfile.empty() ? "Dockerfile" : dockerfile_path);
  if (!dockerfile) return std::move(dockerfile.error());
  if (dockerfile->stages.empty()) return Error(dockerfile_path + ": no FROM instruction: nothing to build");
  auto context_fd = minirun::sys::open_file(options.context, O_PATH | O_DIRECTORY);
  if (!context_fd) return std::move(context_fd.error()).context("build context");
  auto excluded = load_dockerignore(options.context);
  if (!excluded) return std::move(excluded.error());
  auto target = target_stage(*dockerfile, options.target);
  if (!target) return std::move(target.error());

  BuildShared shared{.store = store,
                     .options = options,
                     .dockerfile = *dockerfile,
                     .cache = BuildCache(store),
                     .context_fd = context_fd->get(),
                     .excluded = *excluded,
                     .out = out};
  shared.finished.resize(dockerfile->stages.size());
  for (const auto& [name, value] : options.build_args) shared.used_build_args[name] = false;
  // Global ARGs (before the first FROM) may be used in FROM lines, and re-declared
  // in a stage to be used there.
  for (const auto& arg : dockerfile->global_args) {
    if (auto it = options.build_args.find(arg.name); it != options.build_args.end()) {
      shared.global_args.set(arg.name, it->second);
      shared.used_build_args[arg.name] = true;
    } else if (arg.default_value) {
      auto value = spec::expand_word(*arg.default_value, shared.global_args, dockerfile->escape);
      if (!value) return std::move(value.error()).context("ARG " + arg.name);
      shared.global_args.set(arg.name, *value);
    }
  }
  auto needed = needed_stages(*dockerfile, *target);
  for (std::size_t i = 0; i <= *target; ++i) {
    if (needed[i]) shared.total_steps += 1 + dockerfile->stages[i].instructions.size();
  }
  for (std::size_t i = 0; i <= *target; ++i) {
    if (!needed[i]) continue;
    if (auto built = build_stage(shared, i); !built) return std::move(built.error());
  }

  StageState& final_state = *shared.finished[*target];
  if (final_state.config.created.empty()) final_state.config.created = minirun::sys::now_rfc3339();
  auto image = store.commit(final_state.config, final_state.layers, options.tags);
  if (!image) return std::move(image.error()).context("commit the image");
  if (out != nullptr) {
    for (const auto& [name, used] : shared.used_build_args) {
      if (!used) std::fprintf(out, "[Warning] the build-arg `%s` was not consumed by any ARG\n", name.c_str());
    }
    std::fprintf(out, "Successfully built %s\n", image->id.short_id().c_str());
    for (const auto& tag : options.tags) std::fprintf(out, "Successfully tagged %s\n", tag.str().c_str());
  }
  return BuildResult{std::move(*image), shared.step, shared.cached_steps};
}

}  // namespace imagebuilder::build
