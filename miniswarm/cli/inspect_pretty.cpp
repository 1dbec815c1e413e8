/**
 * @file inspect_pretty.cpp
 * @brief The pretty summaries of inspect_pretty.hpp.
 */
#include "miniswarm/cli/inspect_pretty.hpp"

#include <ctime>

#include "miniswarm/cli/flag_parsing.hpp"
#include "miniswarm/cli/node_table.hpp"
#include "miniswarm/cli/table.hpp"

namespace miniswarm::cli {

namespace {

constexpr size_t kValueColumn = 24;

/// Lines of "<indent>Key:<spaces>value", the values lined up at kValueColumn.
class Summary {
 public:
  void line(int indent, const std::string& key, const std::string& value = "") {
    std::string text(static_cast<size_t>(indent), ' ');
    text += key + ":";
    if (!value.empty()) {
      text.append(text.size() < kValueColumn ? kValueColumn - text.size() : 1, ' ');
      text += value;
    }
    text_ += text + "\n";
  }
  void item(int indent, const std::string& text) {
    text_ += std::string(static_cast<size_t>(indent), ' ') + text + "\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string joined(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

void resources(Summary& s, int indent, const std::string& title, const Resources& r) {
  s.line(indent, title);
  s.line(indent + 1, "CPU", r.nano_cpus == 0 ? "-" : format_nano_cpus(r.nano_cpus));
  s.line(indent + 1, "Memory", r.memory_bytes == 0 ? "-" : format_size(r.memory_bytes));
}

}  // namespace

std::string format_utc(int64_t ms) {
  if (ms == 0) return "";
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string render_node_pretty(const Node& node, const std::string& self_id) {
  Summary s;
  s.line(0, "ID", node.id + (!self_id.empty() && node.id == self_id ? " (this node)" : ""));
  s.line(0, "Hostname", node.hostname);
  s.line(0, "Joined at", format_utc(node.created_ms));
  s.line(0, "Status");
  s.line(1, "State", capitalize(to_string(node.status)));
  if (!node.status_message.empty()) s.line(1, "Message", node.status_message);
  s.line(1, "Availability", capitalize(to_string(node.availability)));
  s.line(1, "Address", node.addr);
  if (node.role == NodeRole::kManager) {
    s.line(0, "Manager Status");
    s.line(1, "Status", manager_status(node, self_id));
  } else {
    s.line(0, "Role", "worker");
  }
  if (!node.labels.empty()) {
    s.line(0, "Labels");
    for (const auto& [key, value] : node.labels) s.item(1, "- " + key + "=" + value);
  }
  s.line(0, "Platform");
  s.line(1, "Operating System", node.os);
  s.line(1, "Architecture", node.arch);
  s.line(0, "Resources");
  s.line(1, "CPUs", format_nano_cpus(node.total.nano_cpus));
  s.line(1, "Memory", format_size(node.total.memory_bytes));
  if (node.last_heartbeat_ms != 0) s.line(0, "Last heartbeat", format_utc(node.last_heartbeat_ms));
  if (!node.cert_serial.empty()) {
    s.line(0, "TLS Info");
    s.line(1, "Certificate serial", node.cert_serial);
  }
  return s.text();
}

std::string render_service_pretty(const ServiceListing& listing) {
  const Service& service = listing.service;
  const ServiceSpec& spec = service.spec;
  Summary s;
  s.line(0, "ID", service.id);
  s.line(0, "Name", spec.name);
  if (!spec.labels.empty()) {
    s.line(0, "Labels");
    for (const auto& [key, value] : spec.labels) s.item(1, key + "=" + value);
  }
  s.line(0, "Service Mode", capitalize(to_string(spec.mode)));
  if (spec.mode == ServiceMode::kReplicated) s.line(1, "Replicas", std::to_string(spec.replicas));
  s.line(1, "Running",
         std::to_string(listing.running_tasks) + "/" + std::to_string(listing.desired_tasks));
  s.line(0, "Spec version", std::to_string(service.spec_version));
  s.line(0, "Created at", format_utc(service.created_ms));
  s.line(0, "Updated at", format_utc(service.updated_ms));
  s.line(0, "Placement");
  if (!spec.placement.constraints.empty()) {
    s.line(1, "Constraints", "[" + joined(spec.placement.constraints, " ") + "]");
  }
  s.line(1, "Strategy", std::string(to_string(spec.placement.strategy)));
  if (spec.placement.max_replicas_per_node != 0) {
    s.line(1, "Max Replicas Per Node", std::to_string(spec.placement.max_replicas_per_node));
  }
  s.line(0, "Restart Policy");
  s.line(1, "Condition", std::string(to_string(spec.restart.condition)));
  s.line(1, "Delay", format_duration(spec.restart.delay_ms));
  s.line(1, "Max Attempts",
         spec.restart.max_attempts == 0 ? "unlimited" : std::to_string(spec.restart.max_attempts));
  s.line(1, "Window",
         spec.restart.window_ms == 0 ? "unlimited" : format_duration(spec.restart.window_ms));
  if (spec.restart.backoff)
    s.line(1, "Backoff", "doubling, up to " + format_duration(spec.restart.max_delay_ms));
  s.line(0, "ContainerSpec");
  s.line(1, "Image", spec.container.image);
  if (!spec.container.args.empty()) s.line(1, "Args", joined(spec.container.args, " "));
  if (!spec.container.env.empty()) s.line(1, "Env", joined(spec.container.env, " "));
  if (!spec.container.labels.empty()) {
    s.line(1, "Labels");
    for (const auto& [key, value] : spec.container.labels) s.item(2, key + "=" + value);
  }
  s.line(0, "Resources");
  resources(s, 1, "Reservations", spec.reservations);
  resources(s, 1, "Limits", spec.limits);
  return s.text();
}

}  // namespace miniswarm::cli
