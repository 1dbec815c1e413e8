/**
 * @file node_constraint.hpp
 * @brief Placement constraints (`--constraint node.labels.zone==a`) as the global
 *        orchestrator reads them: which nodes should run one task of a global service.
 *
 * A constraint is `KEY==VALUE` or `KEY!=VALUE`; a task may run on a node only when
 * all of its service's constraints hold. The keys are Docker's:
 *
 *  | key                  | compared with                              |
 *  |----------------------|--------------------------------------------|
 *  | `node.id`            | Node::id                                   |
 *  | `node.hostname`      | Node::hostname                             |
 *  | `node.role`          | `manager` or `worker`                      |
 *  | `node.platform.os`   | Node::os (`linux`)                         |
 *  | `node.platform.arch` | Node::arch (`x86_64`; `amd64` is accepted) |
 *  | `node.labels.KEY`    | the node label KEY (`node update --label-add`) |
 *
 * As in SwarmKit (manager/constraint), keys and values compare without regard to case,
 * except the label's own name, which is case-sensitive; a label the node lacks counts as
 * the empty string, so `node.labels.zone!=a` holds on a node without a zone. Unlike
 * SwarmKit, which lets an unknown key simply match no node, an unknown key is an error
 * here, because a typo (`node.label.zone`) that silently empties a service is hard to
 * find. Left out: `node.ip` and `engine.labels.*` (the kit's agents report neither).
 *
 * Same syntax as the scheduler's filter (miniswarm/scheduler/constraint.hpp), written
 * separately because both were built at the same time; the two are to be unified into
 * one file that both use. Until then, a change to one must be made to the other.
 *
 * Docs: `docker service create --constraint`; SwarmKit manager/constraint/constraint.go.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// One parsed constraint: `key` lower-cased (except a label's name), `equal` for ==.
struct NodeConstraint {
  std::string key;    ///< "node.role", "node.labels.zone", ...
  bool equal = true;  ///< == (true) or != (false)
  std::string value;  ///< the right-hand side, trimmed
  std::string text;   ///< the constraint as written, for messages
};

/// Parses `node.labels.zone == a`. The error names the constraint and what is wrong.
minirun::sys::Result<NodeConstraint> parse_node_constraint(std::string_view text);

/// Parses a service's constraint list; the first bad one fails the whole list.
minirun::sys::Result<std::vector<NodeConstraint>> parse_node_constraints(
    const std::vector<std::string>& texts);

/// Whether `node` satisfies `constraint`.
bool node_satisfies(const NodeConstraint& constraint, const Node& node);

/// The first constraint `node` does not satisfy, or nullptr when it satisfies all.
const NodeConstraint* first_unmet_constraint(const std::vector<NodeConstraint>& constraints,
                                             const Node& node);

}  // namespace miniswarm::orchestrator
