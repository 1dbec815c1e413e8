/**
 * @file local_node.hpp
 * @brief Which node is "this node": the one whose certificate is in the state dir.
 *
 * A node's id is not stored anywhere on its own: it is the CN of its certificate,
 * `<state-dir>/certificates/node.crt` (credential_files.hpp), so the id and the
 * certificate cannot disagree. `node ls` marks that node with ` *`, and `node ps`
 * without an argument lists its tasks, as Docker does for "self".
 * The certificate is verified against the cluster CA beside it before its CN is
 * believed; if anything is missing or wrong the answer is an Error and the callers
 * carry on without a "self" (no star) or ask for a node by name.
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"

namespace miniswarm::cli {

/// This node's id, from its verified certificate; the error says why it is unknown.
minirun::sys::Result<std::string> local_node_id(const std::string& state_dir);

}  // namespace miniswarm::cli
