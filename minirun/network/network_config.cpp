/**
 * @file network_config.cpp
 * @brief The JSON shapes of network.json and endpoints/<id>.json; see network_config.hpp.
 */
#include "minirun/network/network_config.hpp"

namespace minirun::network {

using nlohmann::json;

json NetworkConfig::to_json() const {
  return {
      {"Name", name},
      {"Id", id},
      {"Created", created},
      {"Scope", "local"},
      {"Driver", "bridge"},
      {"EnableIPv6", false},
      {"IPAM", {{"Driver", "default"}, {"Options", json::object()}, {"Config", json::array({{{"Subnet", subnet}, {"Gateway", gateway}}})}}},
      {"Internal", false},
      {"Attachable", true},
      {"Options", {{"com.docker.network.bridge.name", bridge}}},
      {"Labels", labels},
  };
}

Result<NetworkConfig> NetworkConfig::from_json(const json& j) {
  try {
    NetworkConfig n;
    n.name = j.at("Name").get<std::string>();
    n.id = j.at("Id").get<std::string>();
    n.created = j.value("Created", "");
    const json& ipam = j.at("IPAM").at("Config").at(0);
    n.subnet = ipam.at("Subnet").get<std::string>();
    n.gateway = ipam.at("Gateway").get<std::string>();
    n.bridge = j.at("Options").at("com.docker.network.bridge.name").get<std::string>();
    n.labels = j.value("Labels", std::map<std::string, std::string>{});
    return n;
  } catch (const json::exception& e) {
    return Error(std::string("network.json: ") + e.what());
  }
}

json Endpoint::to_json() const {
  return {{"ContainerID", container_id}, {"Name", name},          {"Aliases", aliases},
          {"IPv4Address", ipv4},         {"MacAddress", mac},     {"HostInterface", host_interface}};
}

Result<Endpoint> Endpoint::from_json(const json& j) {
  try {
    Endpoint e;
    e.container_id = j.at("ContainerID").get<std::string>();
    e.name = j.at("Name").get<std::string>();
    e.aliases = j.value("Aliases", std::vector<std::string>{});
    e.ipv4 = j.at("IPv4Address").get<std::string>();
    e.mac = j.value("MacAddress", "");
    e.host_interface = j.value("HostInterface", "");
    return e;
  } catch (const json::exception& e) {
    return Error(std::string("endpoint: ") + e.what());
  }
}

}  // namespace minirun::network
