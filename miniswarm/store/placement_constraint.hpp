/**
 * @file placement_constraint.hpp
 * @brief Placement constraints: `node.labels.zone==a`, `node.role!=manager`, ...
 *
 * `docker service create --constraint EXPR` limits where a service's tasks may run.
 * An expression is `ATTRIBUTE==VALUE` or `ATTRIBUTE!=VALUE`, and a task may run on a
 * node only when every one of its expressions holds there. The attributes are Swarm's:
 *
 *  | attribute              | compared with                        | example                     |
 *  |------------------------|--------------------------------------|-----------------------------|
 *  | `node.id`              | Node::id                             | `node.id==2ivku8v2gvtg4...` |
 *  | `node.hostname`        | Node::hostname                       | `node.hostname!=node-2`     |
 *  | `node.role`            | `manager` or `worker`                | `node.role==manager`        |
 *  | `node.platform.os`     | Node::os                             | `node.platform.os==linux`   |
 *  | `node.platform.arch`   | Node::arch (`amd64` = `x86_64`)      | `node.platform.arch==amd64` |
 *  | `node.labels.KEY`      | the node label KEY (`node update --label-add`) | `node.labels.zone==a` |
 *
 * Matching follows SwarmKit's constraint package (manager/constraint), which we read to
 * get the corner cases right:
 *  - attribute names are case-insensitive (`Node.Hostname` works);
 *  - values are compared case-insensitively for every attribute, labels included
 *    (`node.hostname==Node-1` matches `node-1`; `node.labels.zone==A` matches `a`);
 *  - the label KEY itself is case-sensitive (`zone` and `Zone` are two labels);
 *  - a missing label reads as the empty string, so `==` never holds on a node without
 *    the label and `!=` always does (`node.labels.gpu!=yes` accepts unlabelled nodes).
 *
 * The kit is stricter than Swarm at `service create` (validate_constraints): an unknown
 * attribute is an error here, where Swarm accepts it and then no node ever matches, and
 * `node.role` must be `manager` or `worker`. A mistake should be named when it is typed,
 * not discovered as a service that stays pending. Value characters follow SwarmKit's
 * rule (letters, digits, spaces and `: - _ . * ( ) ? + [ ] \ ^ $ | /`), which keeps
 * `=`, `!`, `<`, `>` and `~` free for operators.
 *
 * One file for every reader: the scheduler's constraints filter (which node may take a
 * task), the global orchestrator (which nodes should run one task each), rebalance, and
 * `service create`'s validation. It lives with the object model because it is a
 * predicate over a Node that a ServiceSpec carries, and every layer above reads it.
 *
 * Leaves out: `node.ip` (CIDR matching), `engine.labels.*` (the kit's agents report no
 * engine labels) and placement preferences (`--placement-pref spread=...`).
 * Docs: docs/design/swarm.md ("Scheduling"); `docker service create --constraint`.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm {

/// Which property of a node an expression reads.
enum class ConstraintAttribute { kId, kHostname, kRole, kPlatformOs, kPlatformArch, kLabel };

/// One parsed expression.
struct Constraint {
  ConstraintAttribute attribute = ConstraintAttribute::kId;
  std::string label;   ///< the KEY of `node.labels.KEY` (case kept)
  bool equal = true;   ///< `==` (true) or `!=` (false)
  std::string value;   ///< trimmed, case kept (compared case-insensitively)
  std::string text;    ///< the expression without spaces, for explanations
};

/// Parses one expression; the error quotes it and says what is wrong, e.g.
/// "constraint `node.labels.zone=a`: expected == or !=".
minirun::sys::Result<Constraint> parse_constraint(std::string_view expression);

/// Parses every expression, stopping at the first bad one.
minirun::sys::Result<std::vector<Constraint>> parse_constraints(
    const std::vector<std::string>& expressions);

/// What `service create` calls: ok when every expression parses, else the first error.
minirun::sys::Result<void> validate_constraints(const std::vector<std::string>& expressions);

/// Whether one expression holds on a node (Swarm's matching, see the file comment).
bool constraint_holds(const Constraint& constraint, const Node& node);

/// The first constraint `node` does not satisfy, or nullptr when it satisfies them all.
const Constraint* first_unmet_constraint(const std::vector<Constraint>& constraints, const Node& node);

}  // namespace miniswarm
