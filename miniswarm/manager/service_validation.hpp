/**
 * @file service_validation.hpp
 * @brief What `service create` and `service update` refuse, and why.
 *
 * Everything a user can get wrong is caught here, at the API, with the field named,
 * instead of turning up later as a task that never runs: an empty image, a name that
 * is not DNS-safe (it becomes container names and, later, DNS names), a negative
 * number, replicas on a global service, a placement constraint that does not parse
 * (store/placement_constraint.hpp), a limit smaller than the reservation.
 *
 * Docs: `docker service create` (its options and their checks).
 */
#pragma once

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::manager {

/// Checks a spec as `service create` receives it. Errors name the field.
minirun::sys::Result<void> validate_service_spec(const ServiceSpec& spec);

}  // namespace miniswarm::manager
