/**
 * @file objects.cpp
 * @brief Ids, names and the one piece of behaviour the objects have: a task's status
 *        moves forward and keeps its history (see objects.hpp, task_state.hpp).
 */
#include "miniswarm/store/objects.hpp"

#include <sys/random.h>

#include <array>
#include <utility>

namespace miniswarm {

std::string Task::name() const {
  // Docker names a task's container <service>.<slot>.<task id>; a global task has no
  // slot and uses the node id in its place.
  std::string middle = slot != 0 ? std::to_string(slot) : node_id;
  return service_name + "." + middle + "." + id;
}

bool advance_task(Task& task, TaskState to, int64_t now_ms, std::string message,
                  std::string err) {
  if (!can_transition(task.status.state, to)) return false;
  task.history.push_back(task.status);
  task.status.state = to;
  task.status.timestamp_ms = now_ms;
  task.status.message = std::move(message);
  task.status.err = std::move(err);
  return true;
}

std::string new_object_id() {
  // 25 base-36 digits hold 129 bits; 16 random bytes (128 bits) fill them. getrandom
  // blocks only before the kernel's pool is initialised, which is long past here.
  std::array<unsigned char, 16> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  // Base-36 conversion of the 128-bit number, by repeated division.
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id(25, '0');
  for (int pos = 24; pos >= 0; --pos) {
    unsigned remainder = 0;
    for (auto& b : bytes) {
      unsigned value = (remainder << 8) | b;
      b = static_cast<unsigned char>(value / 36);
      remainder = value % 36;
    }
    id[static_cast<size_t>(pos)] = kDigits[remainder];
  }
  return id;
}

namespace {

template <class E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
  for (const auto& [value, name] : table) {
    if (value == v) return name;
  }
  return "unknown";
}

template <class E, size_t N>
bool parse_in(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s,
              E& out) {
  for (const auto& [value, name] : table) {
    if (name == s) {
      out = value;
      return true;
    }
  }
  return false;
}

constexpr std::array<std::pair<NodeRole, std::string_view>, 2> kRoles{
    {{NodeRole::kWorker, "worker"}, {NodeRole::kManager, "manager"}}};
constexpr std::array<std::pair<NodeAvailability, std::string_view>, 3> kAvailability{
    {{NodeAvailability::kActive, "active"},
     {NodeAvailability::kPause, "pause"},
     {NodeAvailability::kDrain, "drain"}}};
constexpr std::array<std::pair<NodeStatus, std::string_view>, 4> kStatus{
    {{NodeStatus::kUnknown, "unknown"},
     {NodeStatus::kReady, "ready"},
     {NodeStatus::kDown, "down"},
     {NodeStatus::kDisconnected, "disconnected"}}};
constexpr std::array<std::pair<RestartCondition, std::string_view>, 3> kConditions{
    {{RestartCondition::kNone, "none"},
     {RestartCondition::kOnFailure, "on-failure"},
     {RestartCondition::kAny, "any"}}};
constexpr std::array<std::pair<ServiceMode, std::string_view>, 2> kModes{
    {{ServiceMode::kReplicated, "replicated"}, {ServiceMode::kGlobal, "global"}}};
constexpr std::array<std::pair<PlacementStrategy, std::string_view>, 4> kStrategies{
    {{PlacementStrategy::kSpread, "spread"},
     {PlacementStrategy::kBinpack, "binpack"},
     {PlacementStrategy::kRoundRobin, "round-robin"},
     {PlacementStrategy::kRandom, "random"}}};

}  // namespace

std::string_view to_string(NodeRole v) { return name_of(kRoles, v); }
std::string_view to_string(NodeAvailability v) { return name_of(kAvailability, v); }
std::string_view to_string(NodeStatus v) { return name_of(kStatus, v); }
std::string_view to_string(RestartCondition v) { return name_of(kConditions, v); }
std::string_view to_string(ServiceMode v) { return name_of(kModes, v); }
std::string_view to_string(PlacementStrategy v) { return name_of(kStrategies, v); }
bool parse(std::string_view s, NodeRole& out) { return parse_in(kRoles, s, out); }
bool parse(std::string_view s, NodeAvailability& out) { return parse_in(kAvailability, s, out); }
bool parse(std::string_view s, NodeStatus& out) { return parse_in(kStatus, s, out); }
bool parse(std::string_view s, RestartCondition& out) { return parse_in(kConditions, s, out); }
bool parse(std::string_view s, ServiceMode& out) { return parse_in(kModes, s, out); }
bool parse(std::string_view s, PlacementStrategy& out) { return parse_in(kStrategies, s, out); }

}  // namespace miniswarm
