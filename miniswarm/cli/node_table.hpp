/**
 * @file node_table.hpp
 * @brief The table of `node ls`.
 *
 *     ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ADDR
 *     88usy45hwhbntx54k8wjepp4h *   lab-1      Ready     Active         Leader           127.0.0.1
 *     7zr1c4n9w0x3b6m2q8v5k1j7d     lab-2      Down      Drain                           10.0.0.2
 *
 * Docker's columns and words: the full node id with ` *` on the node the command runs
 * on (so a learner sees which one "self" is), STATUS and AVAILABILITY capitalised, and
 * MANAGER STATUS empty for workers. The leader is the manager that answers, which is
 * the local node (self); any other manager shows Reachable while its node is Ready and
 * Unreachable otherwise, Docker's words for followers (the kit has one manager per
 * store so far, so a promoted node only carries the role; routes_nodes.cpp). Docker's
 * ENGINE VERSION column is replaced by ADDR, the address the node's agent advertised,
 * which is what a learner needs when nodes live in network namespaces. Rows come in
 * natural order of hostname (node-2 before node-10), as Docker sorts them.
 *
 * Docs: docker/cli cli/command/node/formatter.go; `docker node ls`.
 */
#pragma once

#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// MANAGER STATUS of `node`: "" for a worker, else Leader / Reachable / Unreachable.
std::string manager_status(const Node& node, const std::string& self_id);

/// The table, sorted by hostname; `self_id` (may be empty: unknown) gets the ` *`.
std::string render_node_table(std::vector<Node> nodes, const std::string& self_id);

/// `-q`: the node ids, one per line, in the table's order.
std::string render_node_ids(std::vector<Node> nodes);

}  // namespace miniswarm::cli
