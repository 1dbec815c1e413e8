/**
 * @file service_validation.cpp
 * @brief The checks of a service spec (service_validation.hpp).
 */
#include "miniswarm/manager/service_validation.hpp"

#include <cctype>

#include "miniswarm/store/placement_constraint.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

namespace {

// Docker's rule for service names: letters, digits, '-', '_' and '.', starting with a
// letter or digit, at most 63 characters (it is also a DNS label).
bool valid_service_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

minirun::sys::Result<void> validate_service_spec(const ServiceSpec& spec) {
  if (!valid_service_name(spec.name)) {
    return Error("name: `" + spec.name + "` is not a valid service name (1-63 letters, digits, " +
                 "'-', '_' or '.', starting with a letter or digit)");
  }
  if (spec.container.image.empty()) return Error("image: missing (which image do the tasks run?)");
  for (const auto& e : spec.container.env) {
    if (e.empty() || e[0] == '=') return Error("env: `" + e + "` is not KEY=value");
  }
  if (spec.mode == ServiceMode::kGlobal && spec.replicas != 1 && spec.replicas != 0) {
    return Error("replicas: a global service runs one task per node; --replicas does not apply");
  }
  if (spec.reservations.nano_cpus < 0) return Error("reserve-cpu: must not be negative");
  if (spec.reservations.memory_bytes < 0) return Error("reserve-memory: must not be negative");
  if (spec.limits.nano_cpus < 0) return Error("limit-cpu: must not be negative");
  if (spec.limits.memory_bytes < 0) return Error("limit-memory: must not be negative");
  if (spec.limits.memory_bytes != 0 && spec.limits.memory_bytes < 6 * 1024 * 1024) {
    return Error("limit-memory: at least 6 MiB (a container needs that much to start)");
  }
  if (spec.limits.memory_bytes != 0 && spec.reservations.memory_bytes > spec.limits.memory_bytes) {
    return Error("reserve-memory: larger than --limit-memory");
  }
  if (spec.limits.nano_cpus != 0 && spec.reservations.nano_cpus > spec.limits.nano_cpus) {
    return Error("reserve-cpu: larger than --limit-cpu");
  }
  if (spec.restart.delay_ms < 0) return Error("restart-delay: must not be negative");
  if (spec.restart.window_ms < 0) return Error("restart-window: must not be negative");
  if (spec.restart.max_delay_ms < 0) return Error("restart-max-delay: must not be negative");
  MINIRUN_TRY(validate_constraints(spec.placement.constraints), "constraint");
  return minirun::sys::ok();
}

}  // namespace miniswarm::manager
