/**
 * @file generated_name.hpp
 * @brief A name for a service created without `--name`: `adjective_surname`, as Docker
 *        names them (`eloquent_hopper`).
 *
 * Docker's namesgenerator pairs an adjective with the surname of a notable scientist or
 * engineer; the kit does the same with a shorter list, weighted toward the people whose
 * work it teaches (Ritchie and Thompson for Unix, Lamport for distributed state, Hopper
 * and Lovelace for programming itself). The result is a valid service name (letters,
 * digits, `_`; a DNS label) that a learner can type and tell apart from the next one.
 * Collisions are possible and harmless: the manager refuses a taken name (409) and the
 * learner adds `--name`.
 *
 * Docs: moby/moby pkg/namesgenerator.
 */
#pragma once

#include <string>

namespace miniswarm::cli {

/// `adjective_surname`, picked at random (std::random_device).
std::string generated_service_name();

}  // namespace miniswarm::cli
