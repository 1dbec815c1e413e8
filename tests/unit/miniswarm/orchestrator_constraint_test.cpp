// Placement constraints as the global orchestrator reads them
// (miniswarm/orchestrator/node_constraint.hpp).
#include <gtest/gtest.h>

#include "miniswarm/orchestrator/node_constraint.hpp"
#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

bool holds(const std::string& text, const Node& node) {
  auto c = parse_node_constraint(text);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().what());
  return c.ok() && node_satisfies(*c, node);
}

Node zone_a_worker() {
  Node n = testing::ready_node("n1");
  n.hostname = "Worker-1";
  n.labels["zone"] = "a";
  return n;
}

TEST(NodeConstraint, EqualsComparesValuesWithoutCase) {
  EXPECT_TRUE(holds("node.hostname==worker-1", zone_a_worker()));
  EXPECT_TRUE(holds("NODE.HOSTNAME==WORKER-1", zone_a_worker()));
  EXPECT_FALSE(holds("node.hostname==worker-2", zone_a_worker()));
}

TEST(NodeConstraint, NotEqualsHoldsWhenTheLabelIsMissing) {
  EXPECT_TRUE(holds("node.labels.disk!=ssd", zone_a_worker()));
  EXPECT_FALSE(holds("node.labels.disk==ssd", zone_a_worker()));
}

TEST(NodeConstraint, LabelNameIsCaseSensitive) {
  EXPECT_TRUE(holds("node.labels.zone==a", zone_a_worker()));
  EXPECT_FALSE(holds("node.labels.Zone==a", zone_a_worker()));
}

TEST(NodeConstraint, RoleIdAndOsKeys) {
  Node n = zone_a_worker();
  EXPECT_TRUE(holds("node.role==worker", n));
  EXPECT_TRUE(holds("node.role!=manager", n));
  EXPECT_TRUE(holds("node.id==n1", n));
  EXPECT_TRUE(holds("node.platform.os==linux", n));
  n.role = NodeRole::kManager;
  EXPECT_FALSE(holds("node.role==worker", n));
}

TEST(NodeConstraint, DockerAndKernelArchitectureNamesMatch) {
  Node n = zone_a_worker();  // arch x86_64, as uname -m says
  EXPECT_TRUE(holds("node.platform.arch==amd64", n));
  EXPECT_TRUE(holds("node.platform.arch==x86_64", n));
  EXPECT_FALSE(holds("node.platform.arch==arm64", n));
}

TEST(NodeConstraint, SpacesAroundTheOperatorAreIgnored) {
  EXPECT_TRUE(holds("  node.labels.zone ==  a ", zone_a_worker()));
}

TEST(NodeConstraint, UnknownKeyIsAnErrorThatNamesIt) {
  auto c = parse_node_constraint("node.label.zone==a");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("unknown key `node.label.zone`"), std::string::npos)
      << c.error().message();
  EXPECT_NE(c.error().message().find("node.labels.KEY"), std::string::npos);
}

TEST(NodeConstraint, MissingOperatorIsAnError) {
  auto c = parse_node_constraint("node.role=worker");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("KEY==VALUE"), std::string::npos) << c.error().message();
}

TEST(NodeConstraint, EmptyValueIsAnError) {
  EXPECT_FALSE(parse_node_constraint("node.role==").ok());
  EXPECT_FALSE(parse_node_constraint("node.labels.==a").ok());
}

TEST(NodeConstraint, AllConstraintsMustHold) {
  auto list = parse_node_constraints({"node.labels.zone==a", "node.role==manager"});
  ASSERT_TRUE(list.ok());
  const NodeConstraint* unmet = first_unmet_constraint(*list, zone_a_worker());
  ASSERT_NE(unmet, nullptr);
  EXPECT_EQ(unmet->text, "node.role==manager");
}

}  // namespace
}  // namespace miniswarm::orchestrator
