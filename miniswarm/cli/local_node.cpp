/**
 * @file local_node.cpp
 * @brief This node's id from its certificate (local_node.hpp).
 */
#include "miniswarm/cli/local_node.hpp"

#include "miniswarm/api/credential_files.hpp"
#include "miniswarm/ca/validity.hpp"

namespace miniswarm::cli {

minirun::sys::Result<std::string> local_node_id(const std::string& state_dir) {
  auto stored = api::load_credentials(state_dir);
  if (!stored.ok()) return std::move(stored.error());
  auto identity = ca::verify_node_cert(stored->credentials.ca_cert_pem,
                                       stored->credentials.cert_pem, ca::wall_clock_ms());
  if (!identity.ok()) return std::move(identity.error()).context("this node's certificate");
  return identity->node_id;
}

}  // namespace miniswarm::cli
