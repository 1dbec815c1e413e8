/**
 * @file service_flags.cpp
 * @brief Flags -> ServiceSpec and flags -> update body (service_flags.hpp).
 */
#include "miniswarm/cli/service_flags.hpp"

#include <algorithm>

#include "miniswarm/cli/generated_name.hpp"

namespace miniswarm::cli {

using minirun::sys::Error;

namespace {

/// "node.role == worker" and "node.role==worker" are the same constraint.
std::string without_spaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\t') out += c;
  }
  return out;
}

Result<void> apply_restart_flags(const RestartFlags& flags, RestartPolicy& policy) {
  if (flags.condition) {
    auto condition = parse_choice<RestartCondition>("--restart-condition", *flags.condition,
                                                    "none, on-failure, any");
    if (!condition.ok()) return std::move(condition.error());
    policy.condition = *condition;
  }
  if (flags.delay) {
    auto delay = parse_duration("--restart-delay", *flags.delay);
    if (!delay.ok()) return std::move(delay.error());
    policy.delay_ms = *delay;
  }
  if (flags.max_attempts) {
    auto attempts = parse_count("--restart-max-attempts", *flags.max_attempts);
    if (!attempts.ok()) return std::move(attempts.error());
    policy.max_attempts = *attempts;
  }
  if (flags.window) {
    auto window = parse_duration("--restart-window", *flags.window);
    if (!window.ok()) return std::move(window.error());
    policy.window_ms = *window;
  }
  if (flags.max_delay) {
    auto max_delay = parse_duration("--restart-max-delay", *flags.max_delay);
    if (!max_delay.ok()) return std::move(max_delay.error());
    policy.max_delay_ms = *max_delay;
  }
  if (flags.backoff) policy.backoff = *flags.backoff;
  return minirun::sys::ok();
}

Result<void> apply_placement_flags(const PlacementFlags& flags, Placement& placement) {
  if (flags.strategy) {
    auto strategy = parse_choice<PlacementStrategy>("--placement-strategy", *flags.strategy,
                                                    "spread, binpack, round-robin, random");
    if (!strategy.ok()) return std::move(strategy.error());
    placement.strategy = *strategy;
  }
  if (flags.max_per_node) {
    auto max = parse_count("--replicas-max-per-node", *flags.max_per_node);
    if (!max.ok()) return std::move(max.error());
    placement.max_replicas_per_node = *max;
  }
  return minirun::sys::ok();
}

}  // namespace

bool RestartFlags::any() const {
  return condition || delay || max_attempts || window || max_delay || backoff;
}

bool ServiceUpdateFlags::any() const {
  return replicas || !constraint_add.empty() || !constraint_rm.empty() || !label_add.empty() ||
         !label_rm.empty() || restart.any() || placement.any();
}

Result<ServiceSpec> build_service_spec(const ServiceCreateFlags& flags) {
  ServiceSpec spec;
  if (flags.image_and_command.empty() || flags.image_and_command[0].empty()) {
    return Error(
        "an image is required: miniswarm service create [OPTIONS] IMAGE [COMMAND] [ARG...]");
  }
  if (flags.image_and_command[0][0] == '-') {
    // CLI11's prefix_command() passes an unknown flag on as if it were the image.
    return Error("unknown flag `" + flags.image_and_command[0] +
                 "` (flags go before IMAGE: miniswarm service create --help)");
  }
  spec.container.image = flags.image_and_command[0];
  spec.container.args.assign(flags.image_and_command.begin() + 1, flags.image_and_command.end());
  spec.name = flags.name.empty() ? generated_service_name() : flags.name;

  if (flags.mode) {
    auto mode = parse_choice<ServiceMode>("--mode", *flags.mode, "replicated, global");
    if (!mode.ok()) return std::move(mode.error());
    spec.mode = *mode;
  }
  if (flags.replicas) {
    if (spec.mode == ServiceMode::kGlobal) {
      return Error(
          "--replicas: a global service runs one task per node (drop --replicas or --mode global)");
    }
    auto replicas = parse_count("--replicas", *flags.replicas);
    if (!replicas.ok()) return std::move(replicas.error());
    spec.replicas = *replicas;
  }
  spec.placement.constraints = flags.constraints;
  if (auto applied = apply_placement_flags(flags.placement, spec.placement); !applied.ok()) {
    return std::move(applied.error());
  }
  if (auto applied = apply_restart_flags(flags.restart, spec.restart); !applied.ok()) {
    return std::move(applied.error());
  }

  // The four resource flags: CPUs as a decimal (nano-CPUs), memory as a size (bytes).
  struct ResourceFlag {
    const char* flag;
    const std::optional<std::string>& text;
    int64_t& out;
    bool cpus;
  };
  for (const ResourceFlag& r : {
           ResourceFlag{"--reserve-cpu", flags.reserve_cpu, spec.reservations.nano_cpus, true},
           ResourceFlag{"--limit-cpu", flags.limit_cpu, spec.limits.nano_cpus, true},
           ResourceFlag{"--reserve-memory", flags.reserve_memory, spec.reservations.memory_bytes,
                        false},
           ResourceFlag{"--limit-memory", flags.limit_memory, spec.limits.memory_bytes, false},
       }) {
    if (!r.text) continue;
    auto value = r.cpus ? parse_nano_cpus(r.flag, *r.text) : parse_size(r.flag, *r.text);
    if (!value.ok()) return std::move(value.error());
    r.out = *value;
  }

  for (const auto& text : flags.env) {
    auto env = parse_env("--env", text);
    if (!env.ok()) return std::move(env.error());
    spec.container.env.push_back(*env);
  }
  auto labels = parse_labels("--label", flags.labels);
  if (!labels.ok()) return std::move(labels.error());
  spec.labels = std::move(*labels);
  auto container_labels = parse_labels("--container-label", flags.container_labels);
  if (!container_labels.ok()) return std::move(container_labels.error());
  spec.container.labels = std::move(*container_labels);
  return spec;
}

Result<nlohmann::json> build_service_update(const ServiceSpec& current,
                                            const ServiceUpdateFlags& flags) {
  nlohmann::json body = nlohmann::json::object();
  if (flags.replicas) {
    auto replicas = parse_count("--replicas", *flags.replicas);
    if (!replicas.ok()) return std::move(replicas.error());
    body["replicas"] = *replicas;
  }
  if (flags.restart.any()) {
    RestartPolicy restart = current.restart;
    if (auto applied = apply_restart_flags(flags.restart, restart); !applied.ok()) {
      return std::move(applied.error());
    }
    body["restart"] = restart;
  }
  if (flags.placement.any() || !flags.constraint_add.empty() || !flags.constraint_rm.empty()) {
    Placement placement = current.placement;
    if (auto applied = apply_placement_flags(flags.placement, placement); !applied.ok()) {
      return std::move(applied.error());
    }
    auto& constraints = placement.constraints;
    for (const auto& removed : flags.constraint_rm) {
      auto it = std::find_if(constraints.begin(), constraints.end(), [&](const std::string& c) {
        return without_spaces(c) == without_spaces(removed);
      });
      if (it == constraints.end()) {
        std::string have;
        for (const auto& c : constraints) have += (have.empty() ? "" : ", ") + c;
        return Error("--constraint-rm: the service has no constraint `" + removed +
                     "` (it has: " + (have.empty() ? "none" : have) + ")");
      }
      constraints.erase(it);
    }
    for (const auto& added : flags.constraint_add) {
      bool present = std::any_of(constraints.begin(), constraints.end(), [&](const std::string& c) {
        return without_spaces(c) == without_spaces(added);
      });
      if (!present) constraints.push_back(added);
    }
    body["placement"] = placement;
  }
  if (!flags.label_add.empty() || !flags.label_rm.empty()) {
    std::map<std::string, std::string> labels = current.labels;
    for (const auto& key : flags.label_rm) {
      if (labels.erase(key) == 0)
        return Error("--label-rm: the service has no label `" + key + "`");
    }
    auto added = parse_labels("--label-add", flags.label_add);
    if (!added.ok()) return std::move(added.error());
    for (auto& [key, value] : *added) labels[key] = value;
    body["labels"] = labels;
  }
  return body;
}

}  // namespace miniswarm::cli
