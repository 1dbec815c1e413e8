/**
 * @file net_plugin.hpp
 * @brief Running `minirun-net`, the program that changes the nftables ruleset.
 *
 * The engine's programs (`minirun`, `minirun-monitor`) are linked statically, so that they
 * start in a few milliseconds; Debian ships libnftables only as a shared library. So every
 * change to the firewall goes through one small, dynamically linked program,
 * `minirun-net` (minirun/cmd/minirun_net.cpp), which the engine runs with a command:
 * `minirun-net add-network --bridge B --subnet S`, `publish 0.0.0.0:8080:172.18.0.2:80/tcp`.
 * This is the shape of CNI, the interface Kubernetes and podman use for networking: the
 * runtime executes a *plugin* with a command and a description and reads its answer.
 *
 * It costs a process start (a few ms), which is why only what needs nftables goes through
 * it: creating or removing a network, publishing and unpublishing ports. The per-container
 * work that happens on every start (veth pair, address, route) is netlink, done in-process
 * by the monitor (veth_endpoint.hpp).
 *
 * The table is "minirun" unless `$MINIRUN_NFT_TABLE` names another (the kit's own tests
 * use that to keep their rules apart). Lab: labs/08-networks.
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// How to reach `minirun-net`.
class NetPlugin {
 public:
  /// `path`: the minirun-net executable (built next to minirun).
  explicit NetPlugin(std::string path);

  /// Runs `minirun-net --table T <args...>` and waits; an error carries its stderr.
  sys::Result<void> run(const std::vector<std::string>& args) const;

  /// Runs it and returns its stdout.
  sys::Result<std::string> output(const std::vector<std::string>& args) const;

  const std::string& path() const { return path_; }
  const std::string& table() const { return table_; }

 private:
  std::string path_;
  std::string table_;
};

}  // namespace minirun::network
