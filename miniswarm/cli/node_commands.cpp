/**
 * @file node_commands.cpp
 * @brief The node commands' requests and output (node_commands.hpp).
 */
#include "miniswarm/cli/node_commands.hpp"

#include "miniswarm/cli/decode.hpp"
#include "miniswarm/cli/flag_parsing.hpp"
#include "miniswarm/cli/inspect_pretty.hpp"
#include "miniswarm/cli/node_table.hpp"
#include "miniswarm/cli/task_listing.hpp"

namespace miniswarm::cli {

using minirun::sys::Error;
using minirun::sys::Result;

namespace {

std::string node_path(const std::string& node) {
  return "/v1/nodes/" + encode_uri_component(node);
}

}  // namespace

Result<void> for_each_name(const std::vector<std::string>& names,
                           const std::function<Result<void>(const std::string&)>& each) {
  std::string failures;
  for (const auto& name : names) {
    auto done = each(name);
    if (!done.ok()) failures += (failures.empty() ? "" : "; ") + done.error().what();
  }
  if (!failures.empty()) return Error(failures);
  return minirun::sys::ok();
}

Result<nlohmann::json> build_node_update(const NodeUpdateFlags& flags) {
  nlohmann::json body = nlohmann::json::object();
  if (flags.availability) {
    auto availability = parse_choice<NodeAvailability>("--availability", *flags.availability,
                                                       "active, pause, drain");
    if (!availability.ok()) return std::move(availability.error());
    body["availability"] = to_string(*availability);
  }
  if (!flags.label_add.empty()) {
    auto labels = parse_labels("--label-add", flags.label_add);
    if (!labels.ok()) return std::move(labels.error());
    body["label_add"] = *labels;
  }
  if (!flags.label_rm.empty()) {
    for (const auto& key : flags.label_rm) {
      if (key.empty())
        return Error("--label-rm: an empty key (give the label's key, e.g. --label-rm zone)");
    }
    body["label_rm"] = flags.label_rm;
  }
  if (body.empty()) {
    return Error("node update: nothing to change (give --availability, --label-add or --label-rm)");
  }
  return body;
}

Result<void> node_ls(const ManagerClient& client, const std::string& self_id,
                     const ListOptions& options, std::ostream& out) {
  MINIRUN_TRY(check_format(options.format), "node ls");
  auto reply = client.try_get("/v1/nodes");
  if (!reply.ok()) return std::move(reply.error());
  auto nodes = decode_list<Node>(*reply, "GET /v1/nodes");
  if (!nodes.ok()) return std::move(nodes.error());
  if (wants_json(options.format)) {
    print_json_lines(*reply, out);
  } else if (options.quiet) {
    out << render_node_ids(std::move(*nodes));
  } else {
    out << render_node_table(std::move(*nodes), self_id);
  }
  return minirun::sys::ok();
}

Result<void> node_inspect(const ManagerClient& client, const std::vector<std::string>& nodes,
                          bool pretty, const std::string& self_id, std::ostream& out) {
  nlohmann::json found = nlohmann::json::array();
  std::string summaries;
  auto done = for_each_name(nodes, [&](const std::string& name) -> Result<void> {
    auto reply = client.try_get(node_path(name));
    if (!reply.ok()) return std::move(reply.error());
    auto node = decode<Node>(*reply, "GET " + node_path(name));
    if (!node.ok()) return std::move(node.error());
    found.push_back(*reply);
    if (pretty) summaries += (summaries.empty() ? "" : "\n") + render_node_pretty(*node, self_id);
    return minirun::sys::ok();
  });
  // Docker prints what it found even when some names were not, then fails.
  if (pretty) {
    out << summaries;
  } else if (!found.empty() || done.ok()) {
    out << found.dump(4) << "\n";
  }
  return done;
}

Result<void> node_update(const ManagerClient& client, const std::string& node,
                         const NodeUpdateFlags& flags, std::ostream& out) {
  auto body = build_node_update(flags);
  if (!body.ok()) return std::move(body.error());
  auto reply = client.try_post(node_path(node) + "/update", *body);
  if (!reply.ok()) return std::move(reply.error());
  out << node << "\n";
  return minirun::sys::ok();
}

Result<void> node_set_role(const ManagerClient& client, const std::vector<std::string>& nodes,
                           NodeRole role, std::ostream& out) {
  return for_each_name(nodes, [&](const std::string& name) -> Result<void> {
    auto reply = client.try_post(node_path(name) + "/update", {{"role", to_string(role)}});
    if (!reply.ok()) return std::move(reply.error());
    if (role == NodeRole::kManager) {
      out << "Node " << name << " promoted to a manager in the swarm.\n";
    } else {
      out << "Manager " << name << " demoted in the swarm.\n";
    }
    return minirun::sys::ok();
  });
}

Result<void> node_rm(const ManagerClient& client, const std::vector<std::string>& nodes, bool force,
                     std::ostream& out) {
  return for_each_name(nodes, [&](const std::string& name) -> Result<void> {
    auto reply = client.try_del(node_path(name) + (force ? "?force=1" : ""));
    if (!reply.ok()) return std::move(reply.error());
    out << name << "\n";
    return minirun::sys::ok();
  });
}

Result<void> node_ps(const ManagerClient& client, const std::vector<std::string>& nodes,
                     const std::string& self_id, const PsOptions& options, std::ostream& out,
                     const std::string& why_no_self) {
  MINIRUN_TRY(check_format(options.format), "node ps");
  std::vector<std::string> wanted = nodes;
  if (wanted.empty()) {
    if (self_id.empty()) {
      return Error("node ps: this node's id is unknown (" +
                   (why_no_self.empty() ? std::string("no readable certificate in the state dir")
                                        : why_no_self) +
                   "); name a node: miniswarm node ps NODE");
    }
    wanted.push_back(self_id);
  }
  auto tasks = fetch_tasks(client, "node", wanted);
  if (!tasks.ok()) return std::move(tasks.error());
  return print_tasks(client, *tasks, options, now_ms(), out);
}

}  // namespace miniswarm::cli
