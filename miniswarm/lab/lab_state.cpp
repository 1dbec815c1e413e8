/**
 * @file lab_state.cpp
 * @brief Reading and writing ROOT/lab.json (lab_state.hpp).
 */
#include "miniswarm/lab/lab_state.hpp"

#include <cerrno>

#include "minirun/sys/file.hpp"

namespace miniswarm::lab {

using minirun::network::format_ipv4;
using minirun::sys::Error;
using minirun::sys::Result;

namespace {
constexpr int kFormatVersion = 1;
}

std::string lab_state_path(const std::string& root) { return root + "/lab.json"; }

nlohmann::json LabState::to_json() const {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& node : plan.nodes) {
    nlohmann::json entry = {{"name", node.name},
                            {"role", node.is_manager() ? "manager" : "worker"},
                            {"address", format_ipv4(node.address)},
                            {"netns", node.netns},
                            {"host_veth", node.host_veth},
                            {"state_dir", node.state_dir},
                            {"image_root", node.image_root}};
    if (auto it = inits.find(node.name); it != inits.end()) {
      entry["init_pid"] = it->second.pid;
      entry["init_start_time"] = it->second.start_time;
    }
    nodes.push_back(entry);
  }
  return {{"version", kFormatVersion},
          {"root", plan.root},
          {"root_created", root_created},
          {"bridge", plan.bridge},
          {"subnet", options.subnet},
          {"gateway", format_ipv4(plan.gateway)},
          {"heartbeat_period_ms", options.heartbeat_period_ms},
          {"nodes", nodes}};
}

Result<LabState> LabState::from_json(const nlohmann::json& j) {
  if (!j.is_object() || j.value("version", 0) != kFormatVersion || !j.contains("nodes") || !j["nodes"].is_array()) {
    return Error("not a lab state file of this miniswarm (version " + std::to_string(kFormatVersion) + ")");
  }
  LabState state;
  try {
    state.options.root = j.at("root").get<std::string>();
    state.options.subnet = j.at("subnet").get<std::string>();
    state.options.nodes = static_cast<int>(j.at("nodes").size());
    state.options.heartbeat_period_ms = j.value("heartbeat_period_ms", int64_t{1000});
    state.root_created = j.value("root_created", false);
    auto plan = make_lab_plan(state.options);
    if (!plan) return std::move(plan.error()).context("the recorded lab");
    state.plan = std::move(*plan);
    for (const auto& entry : j.at("nodes")) {
      const std::string name = entry.at("name").get<std::string>();
      auto node = state.plan.find(name);
      if (!node) return std::move(node.error());
      // The names are derived again; a file that disagrees was not written by this version.
      if (entry.value("address", "") != format_ipv4((*node)->address) || entry.value("netns", "") != (*node)->netns) {
        return Error("node `" + name + "` does not match the plan derived from the recorded subnet");
      }
      if (entry.contains("init_pid")) {
        state.inits[name] = {entry.at("init_pid").get<int>(), entry.at("init_start_time").get<unsigned long long>()};
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Error(std::string("a field is missing or of the wrong type: ") + e.what());
  }
  return state;
}

Result<void> save_lab_state(const LabState& state) {
  const std::string path = lab_state_path(state.plan.root);
  MINIRUN_TRY(minirun::sys::write_file_atomic(path, state.to_json().dump(2) + "\n", 0600), "save the lab state");
  return minirun::sys::ok();
}

Result<std::optional<LabState>> load_lab_state(const std::string& root) {
  const std::string path = lab_state_path(root);
  auto text = minirun::sys::read_file(path);
  if (!text) {
    if (text.error().code() == ENOENT) return std::optional<LabState>();
    return std::move(text.error()).context("read the lab state");
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  auto state = LabState::from_json(j);
  if (!state) {
    return std::move(state.error()).context("`" + path + "`: remove the lab by hand (see docs/design/swarm.md) or fix");
  }
  return std::optional<LabState>(std::move(*state));
}

}  // namespace miniswarm::lab
