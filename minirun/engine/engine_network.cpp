/**
 * @file engine_network.cpp
 * @brief `minirun network connect` and `disconnect`: a container joins or leaves a network
 *        after create, also while it runs.
 *
 * For a container that is not running, connecting is only bookkeeping: an address is
 * leased and the attachment is added to its config.json; the veth is plugged in at its
 * next start, like those of the networks it was created with. For a running container,
 * Docker adds the interface at once, and so does this: a veth pair into the container's
 * namespace (found through its init's /proc/PID/ns/net), named eth1, eth2, ... in order.
 * Disconnecting a running container deletes that pair at once.
 *
 * Left out: the embedded DNS server of a running container learns the networks it
 * serves when the container starts, so names on a network connected while it runs
 * resolve from it after its next start (the other containers on that network see it at
 * once: they read the network's endpoints directory).
 *
 * Lab: labs/08-networks.
 */
#include "minirun/engine/container_network.hpp"
#include "minirun/engine/engine.hpp"
#include "minirun/network/bridge.hpp"
#include "minirun/network/netns.hpp"
#include "minirun/network/subnet.hpp"
#include "minirun/network/veth_endpoint.hpp"

namespace minirun::engine {

Result<NetworkAttachment> Engine::connect(const std::string& network, const std::string& id_or_name,
                                          const std::string& ip, const std::vector<std::string>& aliases) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto held = store_.lock(*id);
  if (!held) return std::move(held.error());
  auto config = store_.load_config(*id);
  if (!config) return std::move(config.error());
  auto state = store_.load_state(*id);
  if (!state) return std::move(state.error());
  auto attached = connect_network(networks_, *config, network, ip, aliases);
  if (!attached) return std::move(attached.error());
  auto undo = [&] { (void)disconnect_network(networks_, *config, *attached); };
  const ContainerState now = observe(*state);
  if (now.status == ContainerStatus::running || now.status == ContainerStatus::paused) {
    auto n = networks_.find(attached->network_id);
    if (!n) {
      undo();
      return std::move(n.error());
    }
    if (auto up = networks_.bring_up(*n); !up) {
      undo();
      return std::move(up.error());
    }
    auto netns = network::open_network_namespace(now.pid);
    if (!netns) {
      undo();
      return std::move(netns.error());
    }
    // The first free ethN inside the container: after a disconnect, the count of
    // networks no longer says which names are taken.
    int free_index = 0;
    (void)network::in_network_namespace(netns->get(), [&]() -> Result<void> {
      while (network::link_exists("eth" + std::to_string(free_index))) ++free_index;
      return sys::ok();
    });
    auto e = endpoint_config(*attached, "eth" + std::to_string(free_index), config->networks.size() == 1);
    if (!e) {
      undo();
      return std::move(e.error());
    }
    if (auto r = network::attach_endpoint(netns->get(), *e); !r) {
      undo();
      return std::move(r.error()).context("network connect");
    }
    // Running: its name answers on the new network at once.
    (void)networks_.publish_names(attached->network_id, endpoint_of(*config, *attached));
  }
  if (auto saved = store_.save_config(*config); !saved) {
    (void)network::detach_endpoint(attached->host_interface);
    undo();
    return std::move(saved.error());
  }
  return *attached;
}

Result<void> Engine::disconnect(const std::string& network, const std::string& id_or_name) {
  auto id = store_.resolve(id_or_name);
  if (!id) return std::move(id.error());
  auto held = store_.lock(*id);
  if (!held) return std::move(held.error());
  auto config = store_.load_config(*id);
  if (!config) return std::move(config.error());
  auto n = networks_.find(network);
  if (!n) return std::move(n.error());
  auto it = std::find_if(config->networks.begin(), config->networks.end(),
                         [&](const NetworkAttachment& a) { return a.network_id == n->id; });
  if (it == config->networks.end())
    return Error("container " + config->name + " is not connected to network " + n->name);
  const NetworkAttachment gone = *it;
  config->networks.erase(it);
  MINIRUN_TRY(store_.save_config(*config), "network disconnect");
  // Ports published to the address it had there would point at an address that the
  // next container on that network may get: they go too.
  auto state = store_.load_state(*id);
  if (state && !state->published_ports.empty()) {
    std::vector<std::string> stale, kept;
    for (const auto& arg : state->published_ports) {
      auto m = network::parse_mapping_arg(arg);
      (m && m->container_ip == gone.ip_address ? stale : kept).push_back(arg);
    }
    if (!stale.empty()) {
      MINIRUN_TRY(unpublish_ports(networks_.plugin(), stale), "network disconnect");
      state->published_ports = kept;  // the container's lock is ours already
      (void)store_.save_state(*id, *state);
    }
  }
  // Deleting the host end deletes the pair; for a stopped container there is none.
  (void)network::detach_endpoint(gone.host_interface);
  return disconnect_network(networks_, *config, gone);
}

}  // namespace minirun::engine
