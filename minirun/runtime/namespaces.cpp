/**
 * @file namespaces.cpp
 * @brief Creating and joining namespaces, and user-namespace id maps (see namespaces.hpp).
 */
#include "minirun/runtime/namespaces.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "minirun/sys/file.hpp"

namespace minirun::runtime {

using sys::Error;
using sys::UniqueFd;

unsigned long long new_namespace_flags(const Linux& linux) {
  unsigned long long flags = 0;
  for (const auto& ns : linux.namespaces)
    if (ns.path.empty()) flags |= static_cast<unsigned long long>(clone_flag(ns.type));
  return flags;
}

Result<std::vector<NamespaceToJoin>> open_namespaces_to_join(const Linux& linux) {
  std::vector<NamespaceToJoin> out;
  for (size_t i = 0; i < linux.namespaces.size(); ++i) {
    const auto& ns = linux.namespaces[i];
    if (ns.path.empty() || ns.type == NamespaceType::pid) continue;
    int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Error::from_errno("open", ns.path).context("linux.namespaces[" + std::to_string(i) + "].path");
    }
    out.push_back({ns.type, UniqueFd(fd), ns.path});
  }
  // The user namespace goes first: joining it gives the capabilities over the others.
  std::stable_partition(out.begin(), out.end(), [](const auto& n) { return n.type == NamespaceType::user; });
  return out;
}

Result<int> join_namespaces(const std::vector<NamespaceToJoin>& namespaces) {
  int joined = 0;
  for (const auto& ns : namespaces) {
    // The nstype argument makes the kernel check that the file really is a namespace
    // of the type the config claims (EINVAL otherwise).
    if (::setns(ns.fd.get(), clone_flag(ns.type)) < 0) return Error::from_errno("setns", ns.path);
    ++joined;
  }
  return joined;
}

Result<UniqueFd> join_pid_namespace_for_children(const std::string& path) {
  UniqueFd own(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
  if (!own) return Error::from_errno("open", "/proc/self/ns/pid");
  UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target) return Error::from_errno("open", path);
  if (::setns(target.get(), CLONE_NEWPID) < 0) return Error::from_errno("setns", path);
  return own;
}

Result<void> restore_pid_namespace(int own_pid_ns_fd) {
  if (::setns(own_pid_ns_fd, CLONE_NEWPID) < 0) return Error::from_errno("setns", "own pid namespace");
  return sys::ok();
}

std::string format_id_mappings(const std::vector<IdMapping>& mappings) {
  std::string out;
  for (const auto& m : mappings) {
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  }
  return out;
}

Result<void> write_id_mappings(pid_t pid, const std::vector<IdMapping>& uid_mappings,
                               const std::vector<IdMapping>& gid_mappings) {
  std::string proc = "/proc/" + std::to_string(pid);
  // Each map file may be written once, in a single write(2) (user_namespaces(7)).
  MINIRUN_TRY(sys::write_file(proc + "/uid_map", format_id_mappings(uid_mappings), O_WRONLY),
              "linux.uidMappings");
  MINIRUN_TRY(sys::write_file(proc + "/gid_map", format_id_mappings(gid_mappings), O_WRONLY),
              "linux.gidMappings");
  return sys::ok();
}

Result<void> set_loopback_up() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return Error::from_errno("socket(AF_INET)").context("set lo up");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) < 0) return Error::from_errno("ioctl SIOCGIFFLAGS", "lo");
  if ((request.ifr_flags & IFF_UP) != 0) return sys::ok();
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) < 0) return Error::from_errno("ioctl SIOCSIFFLAGS", "lo");
  return sys::ok();
}

}  // namespace minirun::runtime
