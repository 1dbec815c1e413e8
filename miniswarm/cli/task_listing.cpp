/**
 * @file task_listing.cpp
 * @brief Fetching and printing task lists (task_listing.hpp).
 */
#include "miniswarm/cli/task_listing.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "miniswarm/cli/decode.hpp"
#include "miniswarm/cli/task_table.hpp"

namespace miniswarm::cli {

minirun::sys::Result<std::vector<Task>> fetch_tasks(const ManagerClient& client,
                                                    const std::string& key,
                                                    const std::vector<std::string>& values) {
  std::vector<Task> tasks;
  std::set<std::string> seen;
  for (const auto& value : values) {
    std::string path = "/v1/tasks?" + key + "=" + encode_uri_component(value);
    auto reply = client.try_get(path);
    if (!reply.ok()) return std::move(reply.error());
    auto list = decode_list<Task>(*reply, "GET " + path);
    if (!list.ok()) return std::move(list.error());
    for (auto& task : *list) {
      if (seen.insert(task.id).second) tasks.push_back(std::move(task));
    }
  }
  return tasks;
}

minirun::sys::Result<std::map<std::string, std::string>> fetch_hostnames(
    const ManagerClient& client) {
  auto reply = client.try_get("/v1/nodes");
  if (!reply.ok()) return std::move(reply.error());
  auto nodes = decode_list<Node>(*reply, "GET /v1/nodes");
  if (!nodes.ok()) return std::move(nodes.error());
  std::map<std::string, std::string> hostnames;
  for (const auto& node : *nodes) hostnames[node.id] = node.hostname;
  return hostnames;
}

minirun::sys::Result<void> print_tasks(const ManagerClient& client, const std::vector<Task>& tasks,
                                       const PsOptions& options, int64_t now, std::ostream& out) {
  if (wants_json(options.format)) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : order_tasks(tasks)) list.push_back(*row.task);
    print_json_lines(list, out);
    return minirun::sys::ok();
  }
  if (options.quiet) {
    out << render_task_ids(tasks, options.no_trunc);
    return minirun::sys::ok();
  }
  auto hostnames = fetch_hostnames(client);
  if (!hostnames.ok()) return std::move(hostnames.error());
  out << render_task_table(tasks, *hostnames, now, options.no_trunc);
  return minirun::sys::ok();
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace miniswarm::cli
