/**
 * @file spec_namespaces.cpp
 * @brief `linux.namespaces` and the user namespace's id mappings
 * (`linux.uidMappings`, `linux.gidMappings`).
 *
 * Each namespace entry either asks for a new namespace (no `path`) or names one to
 * join (`path`, e.g. /proc/1234/ns/net, to share a pod's network). A type listed
 * twice is an error: "new pid namespace" and "join that pid namespace" cannot both hold.
 *
 * An id mapping says "ids [containerID, containerID+size) inside are
 * [hostID, hostID+size) outside", and becomes one line of /proc/PID/uid_map. The kernel
 * refuses overlapping ranges, on either side, and more than 340 lines
 * (user_namespaces(7); 5 before Linux 4.15); it would say so with a bare EINVAL from a
 * write(2) deep inside container setup, so the same rules are checked here, where the
 * error can name the entry. Ranges are compared in 64-bit so that a range ending
 * exactly at 2^32 is fine and one past it is an overflow, not a wrap to 0.
 *
 * Mappings and a new user namespace come together: mappings without one have nothing
 * to apply to, and a new user namespace without mappings leaves every id unmapped
 * (the process would run as the overflow uid 65534 and could not even setuid(0)).
 *
 * Man pages: namespaces(7), user_namespaces(7), clone(2), setns(2).
 * Lab: labs/03-namespaces.
 */
#include <sched.h>

#include <algorithm>
#include <array>

#include "minirun/runtime/spec_internal.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080  // Linux 5.6; older glibc headers lack it
#endif

namespace minirun::runtime {

namespace {

struct NamespaceName {
  NamespaceType type;
  const char* oci;   ///< as config.json spells it
  const char* proc;  ///< as /proc/PID/ns spells it
  int clone_flag;
};

constexpr std::array<NamespaceName, 8> kNamespaces = {{
    {NamespaceType::pid, "pid", "pid", CLONE_NEWPID},
    {NamespaceType::network, "network", "net", CLONE_NEWNET},
    {NamespaceType::mount, "mount", "mnt", CLONE_NEWNS},
    {NamespaceType::ipc, "ipc", "ipc", CLONE_NEWIPC},
    {NamespaceType::uts, "uts", "uts", CLONE_NEWUTS},
    {NamespaceType::user, "user", "user", CLONE_NEWUSER},
    {NamespaceType::cgroup, "cgroup", "cgroup", CLONE_NEWCGROUP},
    {NamespaceType::time, "time", "time", CLONE_NEWTIME},
}};

const NamespaceName& entry_of(NamespaceType type) {
  for (const auto& e : kNamespaces)
    if (e.type == type) return e;
  return kNamespaces[0];  // unreachable: the table covers the enum
}

}  // namespace

const char* proc_ns_name(NamespaceType type) { return entry_of(type).proc; }

int clone_flag(NamespaceType type) { return entry_of(type).clone_flag; }

namespace spec_detail {

Result<std::vector<Namespace>> parse_namespaces(const json& value, const std::string& where) {
  if (auto r = expect_array(value, where); !r) return std::move(r.error());
  std::vector<Namespace> out;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = index(where, i);
    if (auto r = expect_object(value[i], at); !r) return std::move(r.error());
    auto type_json = require(value[i], "type", at);
    if (!type_json) return std::move(type_json.error());
    auto type = get_string(**type_json, join(at, "type"));
    if (!type) return std::move(type.error());
    const NamespaceName* found = nullptr;
    for (const auto& e : kNamespaces)
      if (*type == e.oci) found = &e;
    if (found == nullptr)
      return field_error(join(at, "type"), "unknown namespace type " + quote(*type) +
                                               " (expected one of pid, network, mount, ipc, uts, user, cgroup, time)");
    if (std::any_of(out.begin(), out.end(), [&](const Namespace& ns) { return ns.type == found->type; }))
      return field_error(join(at, "type"), "namespace type " + quote(*type) + " is listed twice");
    Namespace ns{found->type, {}};
    if (const json* path = member(value[i], "path")) {
      auto p = get_string(*path, join(at, "path"));
      if (!p) return std::move(p.error());
      // A relative path would be resolved against whatever the runtime's cwd is.
      if (p->empty() || p->front() != '/')
        return field_error(join(at, "path"), quote(*p) + " must be an absolute path");
      ns.path = *p;
    }
    out.push_back(std::move(ns));
  }
  return out;
}

Result<std::vector<IdMapping>> parse_id_mappings(const json& value, const std::string& where) {
  constexpr uint64_t kIdSpace = uint64_t{1} << 32;
  constexpr size_t kMaxLines = 340;  // user_namespaces(7), since Linux 4.15
  if (auto r = expect_array(value, where); !r) return std::move(r.error());
  if (value.size() > kMaxLines)
    return field_error(where, "at most " + std::to_string(kMaxLines) + " mappings (the kernel's limit), got " +
                                  std::to_string(value.size()));
  std::vector<IdMapping> out;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = index(where, i);
    if (auto r = expect_object(value[i], at); !r) return std::move(r.error());
    IdMapping m;
    for (auto [key, field] : {std::pair{"containerID", &m.container_id}, std::pair{"hostID", &m.host_id},
                              std::pair{"size", &m.size}}) {
      auto v = require(value[i], key, at);
      if (!v) return std::move(v.error());
      auto n = get_integer<uint32_t>(**v, join(at, key));
      if (!n) return std::move(n.error());
      *field = *n;
    }
    if (m.size == 0) return field_error(join(at, "size"), "must be greater than 0");
    if (uint64_t{m.container_id} + m.size > kIdSpace)
      return field_error(at, "containerID " + std::to_string(m.container_id) + " + size " + std::to_string(m.size) +
                                 " goes past the largest id 4294967295");
    if (uint64_t{m.host_id} + m.size > kIdSpace)
      return field_error(at, "hostID " + std::to_string(m.host_id) + " + size " + std::to_string(m.size) +
                                 " goes past the largest id 4294967295");
    for (size_t j = 0; j < out.size(); ++j) {
      auto overlaps = [](uint64_t a, uint64_t b, uint64_t size_a, uint64_t size_b) {
        return a < b + size_b && b < a + size_a;
      };
      if (overlaps(m.container_id, out[j].container_id, m.size, out[j].size))
        return field_error(at, "container id range overlaps " + index(where, j));
      if (overlaps(m.host_id, out[j].host_id, m.size, out[j].size))
        return field_error(at, "host id range overlaps " + index(where, j));
    }
    out.push_back(m);
  }
  return out;
}

Result<void> check_user_namespace(const Linux& section, const std::string& where) {
  const Namespace* user = section.find_namespace(NamespaceType::user);
  const bool new_user_ns = user != nullptr && user->path.empty();
  const bool has_mappings = !section.uid_mappings.empty() || !section.gid_mappings.empty();
  if (has_mappings && user == nullptr)
    return field_error(join(where, section.uid_mappings.empty() ? "gidMappings" : "uidMappings"),
                       "id mappings need a user namespace: add {\"type\": \"user\"} to linux.namespaces");
  if (has_mappings && !new_user_ns)
    return field_error(join(where, section.uid_mappings.empty() ? "gidMappings" : "uidMappings"),
                       "id mappings cannot be set when joining an existing user namespace (it has its own)");
  if (new_user_ns && section.uid_mappings.empty())
    return field_error(join(where, "uidMappings"), "a new user namespace needs uid mappings");
  if (new_user_ns && section.gid_mappings.empty())
    return field_error(join(where, "gidMappings"), "a new user namespace needs gid mappings");
  return sys::ok();
}

}  // namespace spec_detail
}  // namespace minirun::runtime
