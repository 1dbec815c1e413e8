/**
 * @file node_commands.hpp
 * @brief What each `miniswarm node ...` command does, apart from parsing its flags:
 *        one or two calls to the manager and Docker's output.
 *
 *  | command                            | request                         | prints             |
 *  |------------------------------------|---------------------------------|--------------------|
 *  | node ls [-q] [--format json]       | GET /v1/nodes                   | node_table.hpp     |
 *  | node inspect NODE... [--pretty]    | GET /v1/nodes/{id}              | JSON array/summary |
 *  | node update [--availability]       | POST /v1/nodes/{id}/update      | the NODE argument  |
 *  |   [--label-add] [--label-rm] NODE  |                                 |                    |
 *  | node promote / demote NODE...      | POST .../update {"role": ...}   | Docker's sentence  |
 *  | node rm [-f] NODE...               | DELETE /v1/nodes/{id}[?force=1] | each NODE argument |
 *  | node ps [NODE...] (default: self)  | GET /v1/tasks?node=...          | task_table.hpp     |
 *
 * The manager resolves NODE (id, hostname or unique id prefix), so the CLI passes it as
 * typed. Commands that take several nodes go on after a failure and report every
 * failure at the end, as the docker CLI does; the command then exits 1.
 * The functions take the output stream and the client, and return an Error instead of
 * exiting, so the tests run them against a fake manager (cli_fake_manager.hpp).
 *
 * Docs: `docker node --help`; routes_nodes.cpp for the manager's side.
 */
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/cli/list_options.hpp"
#include "miniswarm/cli/manager_client.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// `node update`'s flags, as typed.
struct NodeUpdateFlags {
  std::optional<std::string> availability;  ///< active | pause | drain
  std::vector<std::string> label_add;       ///< KEY=VALUE (or KEY: empty value)
  std::vector<std::string> label_rm;        ///< KEY
};

/// The body of POST /v1/nodes/{id}/update for `flags`; an error names the flag.
minirun::sys::Result<nlohmann::json> build_node_update(const NodeUpdateFlags& flags);

/// `self_id` (may be empty) is this node's id (local_node.hpp): the ` *` row.
minirun::sys::Result<void> node_ls(const ManagerClient& client, const std::string& self_id,
                                   const ListOptions& options, std::ostream& out);
minirun::sys::Result<void> node_inspect(const ManagerClient& client,
                                        const std::vector<std::string>& nodes, bool pretty,
                                        const std::string& self_id, std::ostream& out);
minirun::sys::Result<void> node_update(const ManagerClient& client, const std::string& node,
                                       const NodeUpdateFlags& flags, std::ostream& out);
minirun::sys::Result<void> node_set_role(const ManagerClient& client,
                                         const std::vector<std::string>& nodes, NodeRole role,
                                         std::ostream& out);
minirun::sys::Result<void> node_rm(const ManagerClient& client,
                                   const std::vector<std::string>& nodes, bool force,
                                   std::ostream& out);
/// `nodes` empty: `self_id`'s tasks; when self is unknown (empty), the error names a
/// node and gives `why_no_self` (local_node_id()'s error).
minirun::sys::Result<void> node_ps(const ManagerClient& client,
                                   const std::vector<std::string>& nodes,
                                   const std::string& self_id, const PsOptions& options,
                                   std::ostream& out, const std::string& why_no_self = "");

/// Runs `each` for every name, going on after failures; the Error lists them all.
minirun::sys::Result<void> for_each_name(
    const std::vector<std::string>& names,
    const std::function<minirun::sys::Result<void>(const std::string&)>& each);

}  // namespace miniswarm::cli
