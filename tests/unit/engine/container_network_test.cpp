/**
 * @file container_network_test.cpp
 * @brief Unit tests of a container's networking that need no root: --network meanings,
 *        /etc/hosts and /etc/resolv.conf, flag checks, the PORTS column, and the
 *        network fields of config.json.
 */
#include "minirun/engine/container_network.hpp"

#include <gtest/gtest.h>

namespace minirun::engine {
namespace {

ContainerConfig on_network(const std::string& name) {
  ContainerConfig c;
  c.id = std::string(64, 'a');
  c.name = "web";
  c.network_mode = name;
  NetworkAttachment a;
  a.network = name;
  a.network_id = std::string(64, 'b');
  a.ip_address = "172.18.0.2";
  a.prefix_len = 16;
  a.gateway = "172.18.0.1";
  a.mac_address = "02:42:ac:12:00:02";
  a.host_interface = "mrvaaaaaaaabbbb";
  a.bridge = "mr-bbbbbbbbbbbb";
  c.networks.push_back(a);
  return c;
}

TEST(NetworkKind, EachDockerMeaningOfNetwork) {
  EXPECT_EQ(network_kind("bridge"), NetworkKind::bridge);
  EXPECT_EQ(network_kind("my-net"), NetworkKind::bridge);
  EXPECT_EQ(network_kind("none"), NetworkKind::none);
  EXPECT_EQ(network_kind("host"), NetworkKind::host);
  EXPECT_EQ(network_kind("container:abc"), NetworkKind::container);
}

TEST(HostsFile, NamesTheContainersOwnAddressAndExtraHosts) {
  ContainerConfig c = on_network("bridge");
  c.extra_hosts = {"db:10.0.0.5", "cache=10.0.0.6"};
  const std::string hosts = hosts_file(c, "box");
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("172.18.0.2\tbox\n"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("10.0.0.5\tdb\n"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("10.0.0.6\tcache\n"), std::string::npos) << hosts;
}

TEST(HostsFile, WithoutAnAddressTheNameGoesTo127_0_1_1) {
  ContainerConfig c;
  c.network_mode = "none";
  EXPECT_NE(hosts_file(c, "box").find("127.0.1.1\tbox\n"), std::string::npos);
}

TEST(ResolvConf, AUserNetworkUsesTheEmbeddedServer) {
  const std::string text = resolv_conf(on_network("app"), "nameserver 192.0.2.53\n");
  EXPECT_NE(text.find("nameserver 127.0.0.11\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("192.0.2.53"), std::string::npos) << text;
}

TEST(ResolvConf, TheDefaultBridgeCopiesTheHostsServersButNotItsLoopbackOnes) {
  const std::string text = resolv_conf(on_network("bridge"), "search lan\nnameserver 127.0.0.53\nnameserver 192.0.2.53\n");
  EXPECT_NE(text.find("nameserver 192.0.2.53\n"), std::string::npos) << text;
  EXPECT_NE(text.find("search lan\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("127.0.0.53"), std::string::npos) << text;
  EXPECT_EQ(text.find("127.0.0.11"), std::string::npos) << text;
}

TEST(ResolvConf, OnlyLoopbackServersOnTheHostSaysToPassDns) {
  const std::string text = resolv_conf(on_network("bridge"), "nameserver 127.0.0.53\n");
  EXPECT_NE(text.find("--dns"), std::string::npos) << text;
  EXPECT_EQ(text.find("\nnameserver"), std::string::npos) << text;
}

TEST(ResolvConf, DnsFlagsReplaceTheHostsServers) {
  ContainerConfig c = on_network("bridge");
  c.dns = {"10.1.1.1"};
  const std::string text = resolv_conf(c, "nameserver 192.0.2.53\n");
  EXPECT_NE(text.find("nameserver 10.1.1.1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("192.0.2.53"), std::string::npos) << text;
}

TEST(ResolvConf, NoneHasNoServer) {
  ContainerConfig c;
  c.network_mode = "none";
  EXPECT_EQ(resolv_conf(c, "nameserver 192.0.2.53\n").find("nameserver"), std::string::npos);
}

TEST(DnsFlags, BadValuesNameTheFlag) {
  EXPECT_TRUE(check_dns_flags({"10.0.0.1"}, {"db:10.0.0.5"}).ok());
  auto dns = check_dns_flags({"not-an-ip"}, {});
  ASSERT_FALSE(dns.ok());
  EXPECT_NE(dns.error().what().find("--dns not-an-ip"), std::string::npos) << dns.error().what();
  auto host = check_dns_flags({}, {"db"});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.error().what().find("--add-host db"), std::string::npos) << host.error().what();
  EXPECT_FALSE(check_dns_flags({}, {"db:10.0.0.256"}).ok());
}

TEST(PortsColumn, PublishedPortsThenExposedOnes) {
  ContainerConfig c = on_network("bridge");
  c.exposed_ports = {"80/tcp", "443/tcp"};
  ContainerState s;
  s.published_ports = {"0.0.0.0:8080:172.18.0.2:80/tcp"};
  EXPECT_EQ(ports_column(c, s), "0.0.0.0:8080->80/tcp, 443/tcp");
  const nlohmann::json ports = ports_json(c, s);
  EXPECT_EQ(ports["80/tcp"][0]["HostPort"], "8080");
  EXPECT_TRUE(ports["443/tcp"].is_null());
}

TEST(ContainerConfigNetworks, RoundTripKeepsThePrimaryNetworkFirst) {
  ContainerConfig c = on_network("zeta");
  NetworkAttachment extra = c.networks[0];
  extra.network = "alpha";
  extra.ip_address = "172.19.0.2";
  c.networks.push_back(extra);
  network::PortMapping m;
  m.host_port = 8080;
  m.container_port = 80;
  c.port_bindings = {m};
  c.publish_all = true;
  c.dns = {"10.0.0.1"};
  c.extra_hosts = {"db:10.0.0.5"};
  auto back = ContainerConfig::from_json(c.to_json());
  ASSERT_TRUE(back.ok()) << back.error().what();
  ASSERT_EQ(back->networks.size(), 2u);
  EXPECT_EQ(back->networks[0].network, "zeta") << "the --network one gives the default route";
  EXPECT_EQ(back->networks[1].ip_address, "172.19.0.2");
  ASSERT_EQ(back->port_bindings.size(), 1u);
  EXPECT_EQ(back->port_bindings[0].host_port, 8080);
  EXPECT_EQ(back->port_bindings[0].protocol, "tcp");
  EXPECT_TRUE(back->publish_all);
  EXPECT_EQ(back->dns, c.dns);
  EXPECT_EQ(back->extra_hosts, c.extra_hosts);
}

TEST(ContainerConfigNetworks, AMalformedAttachmentNamesTheField) {
  nlohmann::json j = on_network("app").to_json();
  j["NetworkSettings"]["Networks"]["app"].erase("IPAddress");
  auto back = ContainerConfig::from_json(j);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().what().find("NetworkSettings.Networks.app"), std::string::npos) << back.error().what();
}

}  // namespace
}  // namespace minirun::engine
