/**
 * @file node_table.cpp
 * @brief `node ls` rows (node_table.hpp).
 */
#include "miniswarm/cli/node_table.hpp"

#include <algorithm>

#include "miniswarm/cli/table.hpp"

namespace miniswarm::cli {

namespace {

void sort_by_hostname(std::vector<Node>& nodes) {
  std::stable_sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    if (a.hostname != b.hostname) return natural_less(a.hostname, b.hostname);
    return a.id < b.id;
  });
}

}  // namespace

std::string manager_status(const Node& node, const std::string& self_id) {
  if (node.role != NodeRole::kManager) return "";
  if (self_id.empty() || node.id == self_id) return "Leader";
  return node.status == NodeStatus::kReady ? "Reachable" : "Unreachable";
}

std::string render_node_table(std::vector<Node> nodes, const std::string& self_id) {
  sort_by_hostname(nodes);
  std::vector<std::vector<std::string>> rows = {
      {"ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ADDR"}};
  for (const auto& node : nodes) {
    rows.push_back({!self_id.empty() && node.id == self_id ? node.id + " *" : node.id,
                    node.hostname, capitalize(to_string(node.status)),
                    capitalize(to_string(node.availability)), manager_status(node, self_id),
                    node.addr});
  }
  return render_table(rows);
}

std::string render_node_ids(std::vector<Node> nodes) {
  sort_by_hostname(nodes);
  std::string out;
  for (const auto& node : nodes) out += node.id + "\n";
  return out;
}

}  // namespace miniswarm::cli
