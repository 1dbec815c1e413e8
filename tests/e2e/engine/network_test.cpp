/**
 * @file network_test.cpp
 * @brief End-to-end tests of `minirun` networks: addresses, names, published ports,
 *        isolation, and that nothing is left behind.
 *
 * Each test drives the real `minirun` (built next to this program) with its own data
 * root, as a learner would type it. Traffic goes only to 127.0.0.1 and to the addresses
 * of the containers the test started (the kit's rule for tests: never an outside
 * address, never an outside DNS server; every name looked up here is a single label,
 * which the embedded server answers itself and never forwards).
 *
 * The firewall rules go to a table of the tests' own (`$MINIRUN_NFT_TABLE`, set before
 * the first command), which the suite deletes at its end; every test checks at its end
 * that no veth, bridge, lease or published port of its own is left (EngineFixture's
 * leak checks, extended here for networks).
 *
 * Downloads use `timeout 3 wget`: Debian's busybox 1.35 wget crashes on its own -T.
 *
 * Lab: labs/08-networks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

#include "tests/e2e/engine/engine_fixture.hpp"

namespace minirun::testing {
namespace {

const char* kTable = kTestNftTable;

/// An HTTP GET of "/" on 127.0.0.1:port; the body, or "" when the connection fails.
std::string http_get_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    (void)!::write(fd, request.data(), request.size());
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

class NetworkE2E : public EngineFixture {
 protected:
  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "needs root (network namespaces, bridges, nftables)";
    EngineFixture::SetUp();
  }

  void TearDown() override {
    if (!running_as_root()) return;
    // Containers first (the fixture), then the networks they were on.
    for (const auto& id : directory_entries(data_root() + "/containers")) (void)mr("rm", "-f", "-v", id);
    for (const auto& n : directory_entries(data_root() + "/networks"))
      if (n[0] != '.') bridges_.insert(slurp(data_root() + "/networks/" + n + "/network.json"));
    auto pruned = mr("network", "prune", "-f");
    EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
    for (const auto& n : directory_entries(data_root() + "/networks"))
      if (n[0] != '.') ADD_FAILURE() << "left behind: network directory " << n;
    // veths go with their namespaces, torn down by the kernel in the background.
    eventually(
        [&] {
          for (const auto& link : directory_entries("/sys/class/net"))
            for (const auto& id : container_ids_)
              if (link.rfind("mrv" + id.substr(0, 8), 0) == 0) return false;
          return true;
        },
        std::chrono::seconds(3));
    for (const auto& link : directory_entries("/sys/class/net")) {
      for (const auto& json : bridges_) {
        auto j = nlohmann::json::parse(json, nullptr, false);
        if (j.is_object() && j["Options"]["com.docker.network.bridge.name"] == link)
          ADD_FAILURE() << "left behind: bridge " << link;
      }
      for (const auto& id : container_ids_)
        if (link.rfind("mrv" + id.substr(0, 8), 0) == 0) ADD_FAILURE() << "left behind: veth " << link;
    }
    auto published = run_command({MINIRUN_NET_BINARY, "--table", kTable, "list", "--format", "json"}, {}, 30);
    EXPECT_EQ(published.out.find(":"), std::string::npos) << "left behind: published ports " << published.out;
    EngineFixture::TearDown();
  }

  /// `run -d` that remembers the id for the veth leak check.
  std::string start(std::vector<std::string> args) {
    std::string id = run_detached(std::move(args));
    if (!id.empty()) container_ids_.push_back(id);
    return id;
  }

  /// `exec ID sh -c SCRIPT`.
  CommandResult sh(const std::string& id, const std::string& script) { return mr("exec", id, "sh", "-c", script); }

  std::string ip_of(const std::string& id, const std::string& network) {
    auto info = inspect(id);
    if (info.is_null()) return "";
    return info["NetworkSettings"]["Networks"][network].value("IPAddress", "");
  }

  std::set<std::string> bridges_;
  std::vector<std::string> container_ids_;
};

TEST_F(NetworkE2E, ROOT_DefaultBridgeGivesAnAddressAGatewayRouteAndHostsEntry) {
  const std::string id = start({"busybox", "sleep", "1000"});
  ASSERT_FALSE(id.empty());
  const std::string ip = ip_of(id, "bridge");
  ASSERT_FALSE(ip.empty()) << inspect(id).dump(2);
  auto addr = sh(id, "ip -4 addr show eth0; ip route");
  EXPECT_EQ(addr.exit_code, 0) << addr.err;
  EXPECT_TRUE(contains(addr.out, "inet " + ip + "/")) << addr.out;
  const std::string gateway = inspect(id)["NetworkSettings"]["Networks"]["bridge"].value("Gateway", "");
  EXPECT_TRUE(contains(addr.out, "default via " + gateway)) << addr.out;
  auto hosts = sh(id, "cat /etc/hosts");
  EXPECT_TRUE(contains(hosts.out, ip + "\t" + id.substr(0, 12))) << hosts.out;
  auto resolv = sh(id, "cat /etc/resolv.conf");
  EXPECT_FALSE(contains(resolv.out, "127.0.0.11")) << "the default bridge has no embedded DNS: " << resolv.out;
}

TEST_F(NetworkE2E, ROOT_ContainersOnAUserNetworkFindEachOtherByNameAndAlias) {
  ASSERT_EQ(mr("network", "create", "e2e-app").exit_code, 0);
  const std::string web = start({"--name", "web", "--network", "e2e-app", "--network-alias", "www", "busybox",
                                 "sh", "-c", "mkdir /www && echo hello-from-web > /www/index.html && httpd -f -p 80 -h /www"});
  ASSERT_FALSE(web.empty());
  const std::string client = start({"--name", "client", "--network", "e2e-app", "busybox", "sleep", "1000"});
  ASSERT_FALSE(client.empty());
  const std::string web_ip = ip_of(web, "e2e-app");
  auto looked_up = sh(client, "nslookup web 127.0.0.11");
  EXPECT_EQ(looked_up.exit_code, 0) << looked_up.out << looked_up.err;
  EXPECT_TRUE(contains(looked_up.out, web_ip)) << looked_up.out;
  auto alias = sh(client, "nslookup www 127.0.0.11");
  EXPECT_TRUE(contains(alias.out, web_ip)) << alias.out;
  EXPECT_TRUE(eventually([&] { return contains(sh(client, "timeout 3 wget -qO- http://web/").out, "hello-from-web"); }))
      << sh(client, "timeout 3 wget -qO- http://web/").err;
}

TEST_F(NetworkE2E, ROOT_AStoppedContainersNameNoLongerResolvesAndComesBackWithIt) {
  ASSERT_EQ(mr("network", "create", "e2e-stop").exit_code, 0);
  const std::string db = start({"--name", "e2e-db", "--network", "e2e-stop", "busybox", "sleep", "1000"});
  const std::string client = start({"--network", "e2e-stop", "busybox", "sleep", "1000"});
  ASSERT_FALSE(db.empty() || client.empty());
  EXPECT_EQ(sh(client, "nslookup e2e-db 127.0.0.11").exit_code, 0);
  ASSERT_EQ(mr("stop", "-t", "1", "e2e-db").exit_code, 0);
  auto gone = sh(client, "nslookup e2e-db 127.0.0.11");
  EXPECT_TRUE(contains(gone.out + gone.err, "NXDOMAIN")) << "a stopped container is not a name: " << gone.out;
  ASSERT_EQ(mr("start", "e2e-db").exit_code, 0);
  auto back = sh(client, "nslookup e2e-db 127.0.0.11");
  EXPECT_TRUE(contains(back.out, ip_of(db, "e2e-stop"))) << "same address after a restart: " << back.out;
}

TEST_F(NetworkE2E, ROOT_NamesOnAnotherNetworkDoNotResolve) {
  ASSERT_EQ(mr("network", "create", "e2e-names-a").exit_code, 0);
  ASSERT_EQ(mr("network", "create", "e2e-names-b").exit_code, 0);
  const std::string hidden = start({"--name", "e2e-hidden", "--network", "e2e-names-a", "busybox", "sleep", "1000"});
  const std::string other = start({"--network", "e2e-names-b", "busybox", "sleep", "1000"});
  ASSERT_FALSE(hidden.empty() || other.empty());
  // The break-in attempt: a container asks its own server for a name on a network it is
  // not on (a single label: answered, never forwarded).
  auto looked_up = sh(other, "nslookup e2e-hidden 127.0.0.11");
  EXPECT_NE(looked_up.exit_code, 0);
  EXPECT_TRUE(contains(looked_up.out + looked_up.err, "NXDOMAIN")) << looked_up.out << looked_up.err;
  EXPECT_FALSE(contains(looked_up.out, ip_of(hidden, "e2e-names-a"))) << looked_up.out;
}

TEST_F(NetworkE2E, ROOT_AnUnknownNameIsNxdomainNotAnError) {
  ASSERT_EQ(mr("network", "create", "e2e-dns").exit_code, 0);
  const std::string id = start({"--network", "e2e-dns", "busybox", "sleep", "1000"});
  ASSERT_FALSE(id.empty());
  auto resolv = sh(id, "cat /etc/resolv.conf");
  EXPECT_TRUE(contains(resolv.out, "nameserver 127.0.0.11")) << resolv.out;
  auto missing = sh(id, "nslookup nosuchcontainer 127.0.0.11");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(contains(missing.out + missing.err, "NXDOMAIN")) << missing.out << missing.err;
}

TEST_F(NetworkE2E, ROOT_APublishedPortAnswersOnTheHostsLoopback) {
  const uint16_t port = free_loopback_port();
  const std::string id = start({"-p", "127.0.0.1:" + std::to_string(port) + ":80", "busybox", "sh", "-c",
                                "mkdir /www && echo published > /www/index.html && httpd -f -p 80 -h /www"});
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return contains(http_get_loopback(port), "published"); }));
  auto ps = mr("ps");
  EXPECT_TRUE(contains(ps.out, "127.0.0.1:" + std::to_string(port) + "->80/tcp")) << ps.out;
  ASSERT_EQ(mr("rm", "-f", id).exit_code, 0);
  EXPECT_EQ(http_get_loopback(port), "") << "the port is taken down with the container";
}

TEST_F(NetworkE2E, ROOT_APublishedPortOnEveryAddressAnswersOnLoopbackToo) {
  const uint16_t port = free_loopback_port();
  const std::string id = start({"-p", std::to_string(port) + ":80", "busybox", "sh", "-c",
                                "mkdir /www && echo everywhere > /www/index.html && httpd -f -p 80 -h /www"});
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return contains(http_get_loopback(port), "everywhere"); }));
}

TEST_F(NetworkE2E, ROOT_AnotherContainerReachesAPublishedPortThroughTheGateway) {
  const uint16_t port = free_loopback_port();
  const std::string web = start({"-p", std::to_string(port) + ":80", "busybox", "sh", "-c",
                                 "mkdir /www && echo hairpin > /www/index.html && httpd -f -p 80 -h /www"});
  ASSERT_FALSE(web.empty());
  const std::string client = start({"busybox", "sleep", "1000"});
  const std::string gateway = inspect(client)["NetworkSettings"]["Networks"]["bridge"].value("Gateway", "");
  const std::string url = "http://" + gateway + ":" + std::to_string(port) + "/";
  EXPECT_TRUE(eventually([&] { return contains(sh(client, "timeout 3 wget -qO- " + url).out, "hairpin"); }))
      << sh(client, "timeout 3 wget -qO- " + url).err;
}

TEST_F(NetworkE2E, ROOT_TwoUserNetworksCannotReachEachOther) {
  ASSERT_EQ(mr("network", "create", "e2e-a").exit_code, 0);
  ASSERT_EQ(mr("network", "create", "e2e-b").exit_code, 0);
  const std::string a = start({"--network", "e2e-a", "busybox", "sh", "-c",
                               "mkdir /www && echo a > /www/index.html && httpd -f -p 80 -h /www"});
  const std::string b = start({"--network", "e2e-b", "busybox", "sleep", "1000"});
  const std::string same = start({"--network", "e2e-a", "busybox", "sleep", "1000"});
  ASSERT_FALSE(a.empty() || b.empty() || same.empty());
  const std::string url = "http://" + ip_of(a, "e2e-a") + "/";
  // The control: a neighbour on the same network gets the page...
  EXPECT_TRUE(eventually([&] { return sh(same, "timeout 3 wget -qO- " + url).exit_code == 0; }));
  // ...and the break-out attempt from the other network must fail.
  auto across = sh(b, "timeout 3 wget -qO- " + url);
  EXPECT_NE(across.exit_code, 0) << "reached " << url << " from another network: " << across.out;
}

TEST_F(NetworkE2E, ROOT_NetworkContainerModeSharesTheOtherContainersInterfaces) {
  const std::string first = start({"busybox", "sleep", "1000"});
  ASSERT_FALSE(first.empty());
  const std::string second = start({"--network", "container:" + first, "busybox", "sleep", "1000"});
  ASSERT_FALSE(second.empty());
  auto mine = sh(second, "ip -4 addr show eth0");
  EXPECT_TRUE(contains(mine.out, ip_of(first, "bridge") + "/")) << mine.out;
}

TEST_F(NetworkE2E, ROOT_AFixedAddressIsUsedAndASecondClaimFails) {
  ASSERT_EQ(mr("network", "create", "--subnet", "10.231.7.0/24", "e2e-fixed").exit_code, 0);
  const std::string id = start({"--network", "e2e-fixed", "--ip", "10.231.7.50", "busybox", "sleep", "1000"});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(ip_of(id, "e2e-fixed"), "10.231.7.50");
  auto again = mr("run", "-d", "--network", "e2e-fixed", "--ip", "10.231.7.50", "busybox", "sleep", "1000");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_TRUE(contains(again.err, "10.231.7.50")) << again.err;
  auto outside = mr("create", "--network", "e2e-fixed", "--ip", "10.9.9.9", "busybox", "true");
  EXPECT_NE(outside.exit_code, 0);
  EXPECT_TRUE(contains(outside.err, "--ip")) << outside.err;
}

TEST_F(NetworkE2E, ROOT_BadNetworkRequestsAreRefusedAndMakeNothing) {
  auto bad_cidr = mr("network", "create", "--subnet", "10.0.0.1/24", "e2e-bad");
  EXPECT_NE(bad_cidr.exit_code, 0);
  EXPECT_TRUE(contains(bad_cidr.err, "10.0.0.0/24")) << "says which subnet was meant: " << bad_cidr.err;
  ASSERT_EQ(mr("network", "create", "--subnet", "10.232.0.0/16", "e2e-one").exit_code, 0);
  auto overlap = mr("network", "create", "--subnet", "10.232.5.0/24", "e2e-two");
  EXPECT_NE(overlap.exit_code, 0);
  EXPECT_TRUE(contains(overlap.err, "overlaps network e2e-one")) << overlap.err;
  auto twice = mr("network", "create", "e2e-one");
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_TRUE(contains(twice.err, "already exists")) << twice.err;
  auto unknown = mr("run", "--rm", "--network", "e2e-nosuch", "busybox", "true");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(contains(unknown.err, "e2e-nosuch")) << unknown.err;
  auto bad_port = mr("run", "--rm", "-p", "8080:80/sctp", "busybox", "true");
  EXPECT_NE(bad_port.exit_code, 0);
  EXPECT_TRUE(contains(bad_port.err, "sctp")) << bad_port.err;
  auto ls = mr("network", "ls", "-q");
  EXPECT_EQ(lines_of(ls.out).size(), 1u) << "only e2e-one exists: " << ls.out;
  EXPECT_TRUE(directory_entries(data_root() + "/containers").empty());
}

TEST_F(NetworkE2E, ROOT_ASubnetThatAHostRouteCoversIsRefused) {
  // The test's own veth pair (the dummy driver is not on every kernel) gives the host a
  // route to 10.234.1.0/24.
  const std::string link = "mrt" + std::to_string(::getpid() % 100000) + "d";
  ASSERT_EQ(run_command({"ip", "link", "add", link, "type", "veth", "peer", "name", link + "p"}, {}, 10).exit_code, 0);
  struct Remove {
    std::string name;
    ~Remove() { (void)run_command({"ip", "link", "del", name}, {}, 10); }
  } remove{link};
  ASSERT_EQ(run_command({"ip", "addr", "add", "10.234.1.1/24", "dev", link}, {}, 10).exit_code, 0);
  ASSERT_EQ(run_command({"ip", "link", "set", link, "up"}, {}, 10).exit_code, 0);
  auto made = mr("network", "create", "--subnet", "10.234.0.0/16", "e2e-route");
  EXPECT_NE(made.exit_code, 0);
  EXPECT_TRUE(contains(made.err, "host route to 10.234.1.0/24")) << made.err;
  EXPECT_EQ(mr("network", "ls", "-q").out, "");
}

TEST_F(NetworkE2E, ROOT_AHostPortInUseFailsTheStartAndPublishesNothing) {
  // The test holds a port itself; the container asking for it must fail to start.
  int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::listen(holder, 1);
  socklen_t len = sizeof a;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string port = std::to_string(ntohs(a.sin_port));
  auto run = mr("run", "-d", "-p", "127.0.0.1:" + port + ":80", "busybox", "sleep", "1000");
  ::close(holder);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(contains(run.err, port)) << run.err;
  auto published = run_command({MINIRUN_NET_BINARY, "--table", kTable, "list", "--format", "json"}, {}, 30);
  EXPECT_FALSE(contains(published.out, port)) << published.out;
}

TEST_F(NetworkE2E, ROOT_ConnectAndDisconnectARunningContainer) {
  ASSERT_EQ(mr("network", "create", "e2e-extra").exit_code, 0);
  const std::string id = start({"busybox", "sleep", "1000"});
  ASSERT_FALSE(id.empty());
  auto connected = mr("network", "connect", "e2e-extra", id);
  ASSERT_EQ(connected.exit_code, 0) << connected.err;
  const std::string ip = ip_of(id, "e2e-extra");
  ASSERT_FALSE(ip.empty());
  EXPECT_TRUE(contains(sh(id, "ip -4 addr show eth1").out, ip + "/"));
  auto twice = mr("network", "connect", "e2e-extra", id);
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_TRUE(contains(twice.err, "already connected")) << twice.err;
  auto busy = mr("network", "rm", "e2e-extra");
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_TRUE(contains(busy.err, "active endpoints")) << busy.err;
  ASSERT_EQ(mr("network", "disconnect", "e2e-extra", id).exit_code, 0);
  EXPECT_NE(sh(id, "ip link show eth1").exit_code, 0) << "eth1 is gone";
  EXPECT_EQ(mr("network", "rm", "e2e-extra").exit_code, 0);
}

TEST_F(NetworkE2E, ROOT_ReconnectingAfterADisconnectTakesAFreeInterfaceName) {
  ASSERT_EQ(mr("network", "create", "e2e-one-more").exit_code, 0);
  ASSERT_EQ(mr("network", "create", "e2e-two-more").exit_code, 0);
  const std::string id = start({"busybox", "sleep", "1000"});  // eth0 on the default bridge
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(mr("network", "connect", "e2e-one-more", id).exit_code, 0);  // eth1
  ASSERT_EQ(mr("network", "disconnect", "bridge", id).exit_code, 0);     // eth0 gone
  auto again = mr("network", "connect", "e2e-two-more", id);            // must not take eth1
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::string ip = ip_of(id, "e2e-two-more");
  EXPECT_TRUE(contains(sh(id, "ip -4 addr").out, ip + "/")) << sh(id, "ip -4 addr").out;
}

TEST_F(NetworkE2E, ROOT_DisconnectingTakesDownThePortsPublishedToThatAddress) {
  const uint16_t port = free_loopback_port();
  const std::string id = start({"-p", "127.0.0.1:" + std::to_string(port) + ":80", "busybox", "sleep", "1000"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(mr("network", "disconnect", "bridge", id).exit_code, 0);
  EXPECT_TRUE(state_of(id).value("PublishedPorts", nlohmann::json::array()).empty()) << state_of(id).dump(1);
  auto published = run_command({MINIRUN_NET_BINARY, "--table", kTable, "list", "--format", "json"}, {}, 30);
  EXPECT_FALSE(contains(published.out, std::to_string(port))) << published.out;
}

TEST_F(NetworkE2E, ROOT_AKilledMonitorLeavesNoVethAndRmTakesThePortsDown) {
  const uint16_t port = free_loopback_port();
  const std::string id = start({"-p", "127.0.0.1:" + std::to_string(port) + ":80", "busybox", "sleep", "1000"});
  ASSERT_FALSE(id.empty());
  const int monitor = state_of(id).value("MonitorPid", 0);
  ASSERT_GT(monitor, 0);
  ::kill(monitor, SIGKILL);
  ASSERT_EQ(mr("rm", "-f", id).exit_code, 0);
  auto published = run_command({MINIRUN_NET_BINARY, "--table", kTable, "list", "--format", "json"}, {}, 30);
  EXPECT_FALSE(contains(published.out, std::to_string(port))) << published.out;
  // TearDown checks the veth and the leases.
}

TEST_F(NetworkE2E, ROOT_RemovedContainersGiveTheirAddressesBack) {
  ASSERT_EQ(mr("network", "create", "--subnet", "10.233.0.0/30", "e2e-tiny").exit_code, 0);
  // A /30 has one address for a container: the second must wait for the first to go.
  auto first = mr("create", "--network", "e2e-tiny", "busybox", "true");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto full = mr("create", "--network", "e2e-tiny", "busybox", "true");
  EXPECT_NE(full.exit_code, 0);
  EXPECT_TRUE(contains(full.err, "no free address")) << full.err;
  ASSERT_EQ(mr("rm", lines_of(first.out)[0]).exit_code, 0);
  EXPECT_TRUE(directory_entries(data_root() + "/containers").empty()) << "a failed create leaves no container";
  auto again = mr("create", "--network", "e2e-tiny", "busybox", "true");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(NetworkE2E, ROOT_ARunRmContainerGivesBackTheAddressOfANetworkConnectedWhileItRan) {
  // The --rm monitor removes the container with the config it read at its start unless
  // config.json changed since (monitor.cpp): a `network connect` during the run changes
  // it, and the address leased on that network must be released too.
  ASSERT_EQ(mr("network", "create", "--subnet", "10.233.0.4/30", "e2e-late").exit_code, 0);
  auto run = mr("run", "-d", "--rm", "busybox", "sleep", "1");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string id = lines_of(run.out)[0];
  auto connected = mr("network", "connect", "e2e-late", id);
  ASSERT_EQ(connected.exit_code, 0) << connected.err;
  for (int i = 0; i < 100 && !directory_entries(data_root() + "/containers").empty(); ++i) ::usleep(50'000);
  ASSERT_TRUE(directory_entries(data_root() + "/containers").empty()) << "the --rm container is still there";
  // A /30 holds one container: a new one gets an address only if the old one was freed.
  auto again = mr("create", "--network", "e2e-late", "busybox", "true");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace
}  // namespace minirun::testing
