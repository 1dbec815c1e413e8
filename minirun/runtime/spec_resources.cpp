/**
 * @file spec_resources.cpp
 * @brief `linux.resources`: the cgroup limits, checked before any cgroup is touched.
 *
 * Every value here ends up written into a cgroup knob file (memory.max,
 * memory.limit_in_bytes, cpu.cfs_quota_us, cpuset.cpus, pids.max, ...). The kernel
 * refuses a bad one with EINVAL from write(2), after the cgroup was created and maybe
 * half configured, and the learner sees "write `cpu.cfs_period_us`: Invalid argument".
 * So the kernel's own rules are checked here, with the field's name:
 *  - memory.limit: bytes > 0, or -1 for unlimited (0 is not "unlimited", it is nothing);
 *  - memory.swap: the v1 meaning, memory+swap; so it must be >= memory.limit when both
 *    are set (memory.memsw.limit_in_bytes refuses to go below memory.limit_in_bytes);
 *  - cpu.period: 1000..1000000 µs (1 ms..1 s, kernel/sched/core.c); cpu.quota > 0 or -1;
 *  - cpus / mems: the list syntax of cpuset(7), "0-2,4";
 *  - devices: type a/c/b, access a combination of r, w, m (cgroups v1 devices.allow);
 *  - unified: keys are knob file names ("memory.high"), never paths: a key like
 *    "../../cgroup.procs" would write outside the container's own cgroup.
 *
 * Accepted and ignored: blockIO, hugepageLimits, network, rdma, memory.kernel,
 * memory.kernelTCP, memory.swappiness, cpu.realtimeRuntime/realtimePeriod, cpu.idle.
 *
 * Man pages: cgroups(7), cpuset(7). Kernel docs: admin-guide/cgroup-v2.rst,
 * cgroup-v1/memory.rst. Reference: runtime-spec config-linux.md "Control groups".
 * Lab: labs/04-cgroups.
 */
#include <cctype>

#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime::spec_detail {

namespace {

/// cpuset(7) list format: "0-2,4" (comma-separated numbers and ascending ranges).
bool is_cpuset_list(const std::string& text) {
  size_t i = 0;
  auto number = [&](unsigned long& out) {
    size_t start = i;
    out = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 9)
      out = out * 10 + static_cast<unsigned long>(text[i++] - '0');
    return i > start && (i == text.size() || !std::isdigit(static_cast<unsigned char>(text[i])));
  };
  while (true) {
    unsigned long first = 0, last = 0;
    if (!number(first)) return false;
    if (i < text.size() && text[i] == '-') {
      ++i;
      if (!number(last) || last < first) return false;
    }
    if (i == text.size()) return true;
    if (text[i++] != ',') return false;
  }
}

Result<void> parse_memory(const json& value, const std::string& where, Resources& out) {
  if (auto r = expect_object(value, where); !r) return r;
  if (auto r = read_integer(value, "limit", where, out.memory_limit); !r) return r;
  if (auto r = read_integer<int64_t>(value, "reservation", where, out.memory_reservation, -1); !r) return r;
  if (auto r = read_integer(value, "swap", where, out.memory_swap); !r) return r;
  if (auto r = read(value, "disableOOMKiller", where, out.disable_oom_killer); !r) return r;
  for (auto [key, field] : {std::pair{"limit", &out.memory_limit}, std::pair{"swap", &out.memory_swap}})
    if (*field && **field <= 0 && **field != -1)
      return field_error(join(where, key), "must be a number of bytes > 0, or -1 for unlimited; got " +
                                               std::to_string(**field));
  if (out.memory_limit && out.memory_swap && *out.memory_limit != -1 && *out.memory_swap != -1 &&
      *out.memory_swap < *out.memory_limit)
    return field_error(join(where, "swap"), std::to_string(*out.memory_swap) + " is below memory.limit " +
                                                std::to_string(*out.memory_limit) +
                                                " (swap counts memory+swap, so it must be >= limit, or -1)");
  return sys::ok();
}

Result<void> parse_cpu(const json& value, const std::string& where, Resources& out) {
  if (auto r = expect_object(value, where); !r) return r;
  if (auto r = read_integer(value, "shares", where, out.cpu_shares); !r) return r;
  if (auto r = read_integer(value, "quota", where, out.cpu_quota); !r) return r;
  if (out.cpu_quota && *out.cpu_quota <= 0 && *out.cpu_quota != -1)
    return field_error(join(where, "quota"), "must be microseconds > 0, or -1 for unlimited; got " +
                                                 std::to_string(*out.cpu_quota));
  if (auto r = read_integer<uint64_t>(value, "period", where, out.cpu_period, 1000, 1000000); !r) return r;
  if (auto r = read(value, "cpus", where, out.cpuset_cpus); !r) return r;
  if (auto r = read(value, "mems", where, out.cpuset_mems); !r) return r;
  for (auto [key, text] : {std::pair{"cpus", &out.cpuset_cpus}, std::pair{"mems", &out.cpuset_mems}})
    if (!text->empty() && !is_cpuset_list(*text))
      return field_error(join(where, key), quote(*text) + " is not a list like \"0-2,4\"");
  return sys::ok();
}

Result<DeviceRule> parse_device_rule(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  DeviceRule rule;
  auto allow = require(value, "allow", where);
  if (!allow) return std::move(allow.error());
  auto allowed = get_bool(**allow, join(where, "allow"));
  if (!allowed) return std::move(allowed.error());
  rule.allow = *allowed;
  std::string type = "a";
  if (auto r = read(value, "type", where, type); !r) return std::move(r.error());
  if (type != "a" && type != "c" && type != "b")
    return field_error(join(where, "type"), quote(type) + " is not a device type (expected a, c or b)");
  rule.type = type[0];
  // -1 is how runc and Docker write "any"; the spec writes it by leaving the field out.
  for (auto [key, field] : {std::pair{"major", &rule.major}, std::pair{"minor", &rule.minor}}) {
    if (auto r = read_integer<int64_t>(value, key, where, *field, -1); !r) return std::move(r.error());
    if (*field == -1) field->reset();
  }
  if (auto r = read(value, "access", where, rule.access); !r) return std::move(r.error());
  if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos)
    return field_error(join(where, "access"), quote(rule.access) + " must be a combination of r, w and m");
  return rule;
}

Result<void> parse_unified(const json& value, const std::string& where, Resources& out) {
  if (auto r = read(value, "unified", where, out.unified); !r) return r;
  for (const auto& [key, knob] : out.unified) {
    const auto dot = key.find('.');
    if (key.find('/') != std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == key.size())
      return field_error(join(join(where, "unified"), key),
                         "not a cgroup knob name like \"memory.high\" (a key is a file name, never a path)");
  }
  return sys::ok();
}

}  // namespace

Result<Resources> parse_resources(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Resources out;
  if (const json* memory = member(value, "memory"))
    if (auto r = parse_memory(*memory, join(where, "memory"), out); !r) return std::move(r.error());
  if (const json* cpu = member(value, "cpu"))
    if (auto r = parse_cpu(*cpu, join(where, "cpu"), out); !r) return std::move(r.error());
  if (const json* pids = member(value, "pids")) {
    if (auto r = expect_object(*pids, join(where, "pids")); !r) return std::move(r.error());
    if (auto r = read_integer<int64_t>(*pids, "limit", join(where, "pids"), out.pids_limit, -1); !r)
      return std::move(r.error());
  }
  if (const json* devices = member(value, "devices")) {
    const std::string at = join(where, "devices");
    if (auto r = expect_array(*devices, at); !r) return std::move(r.error());
    for (size_t i = 0; i < devices->size(); ++i) {
      auto rule = parse_device_rule((*devices)[i], index(at, i));
      if (!rule) return std::move(rule.error());
      out.devices.push_back(std::move(*rule));
    }
  }
  if (auto r = parse_unified(value, where, out); !r) return std::move(r.error());
  return out;
}

}  // namespace minirun::runtime::spec_detail
