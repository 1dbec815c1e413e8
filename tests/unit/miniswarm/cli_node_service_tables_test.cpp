// `node ls` and `service ls` tables, and the inspect --pretty summaries.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fake_manager.hpp"
#include "miniswarm/cli/inspect_pretty.hpp"
#include "miniswarm/cli/node_table.hpp"
#include "miniswarm/cli/service_table.hpp"

namespace miniswarm::cli {
namespace {

using testing_support::make_node;
using testing_support::make_service;

const std::string kSelf = "4kq0m8xv2c7b1n3p5r9t0w2y4";
const std::string kOther = "7zr1c4n9w0x3b6m2q8v5k1j7d";

std::vector<Node> two_nodes() {
  return {make_node(kOther, "lab-10", NodeRole::kWorker, NodeStatus::kDown,
                    NodeAvailability::kDrain, "10.0.0.2"),
          make_node(kSelf, "lab-2", NodeRole::kManager, NodeStatus::kReady,
                    NodeAvailability::kActive, "127.0.0.1")};
}

TEST(NodeTable, MatchesDockersLayoutWithSelfStarred) {
  EXPECT_EQ(
      render_node_table(two_nodes(), kSelf),
      "ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ADDR\n"
      "4kq0m8xv2c7b1n3p5r9t0w2y4 *   lab-2      Ready     Active         Leader           "
      "127.0.0.1\n"
      "7zr1c4n9w0x3b6m2q8v5k1j7d     lab-10     Down      Drain                           "
      "10.0.0.2\n");
}

TEST(NodeTable, UnknownSelfStarsNoRow) {
  std::string text = render_node_table(two_nodes(), "");
  EXPECT_EQ(text.find(" *"), std::string::npos);
  EXPECT_NE(text.find("Leader"), std::string::npos);  // the one manager still leads
}

TEST(NodeTable, QuietListsFullIdsInHostnameOrder) {
  EXPECT_EQ(render_node_ids(two_nodes()), kSelf + "\n" + kOther + "\n");
}

TEST(ManagerStatus, OtherManagersAreReachableWhileReady) {
  Node follower = make_node("f", "lab-3", NodeRole::kManager, NodeStatus::kReady);
  EXPECT_EQ(manager_status(follower, kSelf), "Reachable");
  follower.status = NodeStatus::kDown;
  EXPECT_EQ(manager_status(follower, kSelf), "Unreachable");
  EXPECT_EQ(manager_status(make_node("w", "lab-4"), kSelf), "");
}

ServiceListing listing(Service service, uint64_t running, uint64_t desired) {
  return ServiceListing{std::move(service), running, desired};
}

TEST(ServiceTable, MatchesDockersLayout) {
  Service web = make_service("k3v9x0q2m8r1z5b7n4c6w2y8a", "web", "busybox", 3);
  Service monitor = make_service("p0z7c5w2n4b8x1y2z3a4b5c6d", "monitor", "busybox:latest");
  monitor.spec.mode = ServiceMode::kGlobal;
  Service api = make_service("x1y2z3a4b5c6d7e8f9g0h1i2j", "api", "busybox", 4);
  api.spec.placement.max_replicas_per_node = 2;
  EXPECT_EQ(render_service_table({listing(web, 3, 3), listing(monitor, 2, 2), listing(api, 1, 4)}),
            "ID             NAME      MODE         REPLICAS               IMAGE\n"
            "x1y2z3a4b5c6   api       replicated   1/4 (max 2 per node)   busybox\n"
            "p0z7c5w2n4b8   monitor   global       2/2                    busybox:latest\n"
            "k3v9x0q2m8r1   web       replicated   3/3                    busybox\n");
}

TEST(ServiceTable, QuietPrintsShortIdsByName) {
  EXPECT_EQ(render_service_ids({listing(make_service("zzzzzzzzzzzzzz", "b"), 0, 1),
                                listing(make_service("yyyyyyyyyyyyyy", "a"), 0, 1)}),
            "yyyyyyyyyyyy\nzzzzzzzzzzzz\n");
}

TEST(ParseServiceListing, ReadsTheCountsBesideTheService) {
  nlohmann::json j = make_service("s1", "web");
  j["running_tasks"] = 2;
  j["desired_tasks"] = 3;
  auto parsed = parse_service_listing(j);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->service.spec.name, "web");
  EXPECT_EQ(replicas_cell(*parsed), "2/3");
}

TEST(ParseServiceListing, WrongTypeIsAnErrorNotAnException) {
  nlohmann::json j = make_service("s1", "web");
  j["spec"]["replicas"] = "three";
  EXPECT_FALSE(parse_service_listing(j).ok());
}

TEST(NodePretty, ShowsStatusAddressLabelsAndResources) {
  Node node = two_nodes()[1];
  node.labels = {{"zone", "a"}};
  node.total = {2'000'000'000, int64_t{2} << 30};
  node.created_ms = 1'700'000'000'000;
  std::string text = render_node_pretty(node, kSelf);
  EXPECT_NE(text.find("ID:                     " + kSelf + " (this node)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find(" State:                 Ready\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" Address:               127.0.0.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" - zone=a\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" Memory:                2GiB\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Joined at:              2023-11-14 22:13:20 UTC\n"), std::string::npos)
      << text;
}

TEST(ServicePretty, ShowsSpecInTheUnitsTyped) {
  Service web = make_service("s1", "web", "busybox", 3);
  web.spec.container.args = {"sleep", "30"};
  web.spec.reservations = {500'000'000, 64 << 20};
  web.spec.restart.delay_ms = 90'000;
  web.spec.placement.constraints = {"node.role==worker"};
  std::string text = render_service_pretty(listing(web, 1, 3));
  EXPECT_NE(text.find(" Replicas:              3\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" Running:               1/3\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" Constraints:           [node.role==worker]\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" Delay:                 1m30s\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" Args:                  sleep 30\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  CPU:                  0.5\n  Memory:               64MiB\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace miniswarm::cli
