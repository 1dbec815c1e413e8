/**
 * @file node_description.cpp
 * @brief The node's hostname, CPUs, memory and platform, read from the kernel (node_description.hpp).
 */
#include "miniswarm/agent/node_description.hpp"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace miniswarm::agent {

HeartbeatRequest describe_node(const std::string& addr) {
  HeartbeatRequest beat;
  char host[256] = {};
  // HOST_NAME_MAX is 64; a name that fills the buffer is cut, never left unterminated.
  if (::gethostname(host, sizeof host - 1) == 0) beat.hostname = host;
  beat.addr = addr;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  beat.total.nano_cpus = (cpus > 0 ? cpus : 1) * 1'000'000'000LL;
  struct sysinfo info {};
  if (::sysinfo(&info) == 0) beat.total.memory_bytes = static_cast<int64_t>(info.totalram) * info.mem_unit;
  beat.os = "linux";
  struct utsname names {};
  if (::uname(&names) == 0) beat.arch = names.machine;
  return beat;
}

}  // namespace miniswarm::agent
