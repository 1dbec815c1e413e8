// Placement constraints: parse errors name the expression, and matching follows Swarm
// (store/placement_constraint.hpp).
#include <gtest/gtest.h>

#include "miniswarm/store/placement_constraint.hpp"

namespace miniswarm {
namespace {

/// A READY active worker `id` (hostname `id`), x86_64, as `uname -m` names it.
Node make_node(const std::string& id) {
  Node node;
  node.id = id;
  node.hostname = id;
  node.status = NodeStatus::kReady;
  node.role = NodeRole::kWorker;
  node.arch = "x86_64";
  return node;
}

bool holds(const std::string& expression, const Node& node) {
  auto c = parse_constraint(expression);
  EXPECT_TRUE(c.ok()) << expression << ": " << c.error().message();
  return c.ok() && constraint_holds(*c, node);
}

TEST(ConstraintParse, SingleEqualsSignIsRejectedNamingTheExpression) {
  auto r = validate_constraints({"node.labels.zone=a"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "constraint `node.labels.zone=a`: expected == or !=");
}

TEST(ConstraintParse, UnknownAttributeIsRejected) {
  auto r = validate_constraints({"node.role==manager", "node.colour==blue"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("constraint `node.colour==blue`: unknown attribute"),
            std::string::npos)
      << r.error().message();
}

TEST(ConstraintParse, EmptyValueIsRejected) {
  auto r = validate_constraints({"node.hostname== "});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no value"), std::string::npos) << r.error().message();
}

TEST(ConstraintParse, EmptyLabelNameIsRejected) {
  EXPECT_FALSE(validate_constraints({"node.labels.==a"}).ok());
}

TEST(ConstraintParse, TripleEqualsIsRejectedAsABadValue) {
  auto r = validate_constraints({"node.role===manager"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("contains `=`"), std::string::npos) << r.error().message();
}

TEST(ConstraintParse, RoleMustBeManagerOrWorker) {
  EXPECT_FALSE(validate_constraints({"node.role==boss"}).ok());
  EXPECT_TRUE(validate_constraints({"node.role==Worker"}).ok());
}

TEST(ConstraintParse, SpacesAroundTheOperatorAreAllowedAndDropped) {
  auto c = parse_constraint(" node.labels.zone  !=  a ");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->text, "node.labels.zone!=a");
  EXPECT_FALSE(c->equal);
  EXPECT_EQ(c->label, "zone");
}

TEST(ConstraintParse, EveryKnownAttributeParses) {
  EXPECT_TRUE(validate_constraints({"node.id==abc", "node.hostname!=n1", "node.role==manager",
                                    "node.platform.os==linux", "node.platform.arch==x86_64",
                                    "node.labels.disk==ssd"})
                  .ok());
}

TEST(ConstraintMatch, LabelEqualsHoldsOnlyWithThatValue) {
  Node a = make_node("a");
  a.labels["zone"] = "east";
  Node b = make_node("b");
  b.labels["zone"] = "west";
  EXPECT_TRUE(holds("node.labels.zone==east", a));
  EXPECT_FALSE(holds("node.labels.zone==east", b));
}

TEST(ConstraintMatch, MissingLabelFailsEqualsAndPassesNotEquals) {
  Node bare = make_node("bare");
  EXPECT_FALSE(holds("node.labels.gpu==yes", bare));
  EXPECT_TRUE(holds("node.labels.gpu!=yes", bare));
}

TEST(ConstraintMatch, ValuesCompareIgnoringCaseButLabelKeysDoNot) {
  Node node = make_node("n1");
  node.labels["zone"] = "East";
  EXPECT_TRUE(holds("node.labels.zone==east", node));
  EXPECT_FALSE(holds("node.labels.Zone==east", node));
}

TEST(ConstraintMatch, HostnameMatchesIgnoringCaseAndAttributeNameToo) {
  Node node = make_node("id1");
  node.hostname = "worker-1";
  EXPECT_TRUE(holds("node.hostname==Worker-1", node));
  EXPECT_TRUE(holds("Node.Hostname==worker-1", node));
  EXPECT_FALSE(holds("node.hostname==worker-2", node));
}

TEST(ConstraintMatch, RoleMatchesManagerOrWorker) {
  Node manager = make_node("m");
  manager.role = NodeRole::kManager;
  Node worker = make_node("w");
  EXPECT_TRUE(holds("node.role==manager", manager));
  EXPECT_FALSE(holds("node.role==manager", worker));
  EXPECT_TRUE(holds("node.role!=manager", worker));
}

TEST(ConstraintMatch, IdMatchesTheNodeId) {
  Node node = make_node("k2j4abc");
  EXPECT_TRUE(holds("node.id==k2j4abc", node));
  EXPECT_FALSE(holds("node.id==other", node));
}

TEST(ConstraintMatch, NotEqualsIsTheNegation) {
  Node node = make_node("n1");
  EXPECT_FALSE(holds("node.id!=n1", node));
  EXPECT_TRUE(holds("node.id!=n2", node));
}

TEST(ConstraintMatch, PlatformOsAndArchMatch) {
  Node node = make_node("n1");
  node.arch = "aarch64";
  EXPECT_TRUE(holds("node.platform.os==linux", node));
  EXPECT_FALSE(holds("node.platform.arch==x86_64", node));
  EXPECT_TRUE(holds("node.platform.arch==AArch64", node));
}

TEST(ConstraintMatch, DockerAndKernelArchitectureNamesMatch) {
  Node n = make_node("a");
  EXPECT_TRUE(holds("node.platform.arch==amd64", n));
  EXPECT_TRUE(holds("node.platform.arch==X86_64", n));
  EXPECT_FALSE(holds("node.platform.arch==arm64", n));
  EXPECT_TRUE(holds("node.platform.arch!=arm64", n));
  n.arch = "aarch64";
  EXPECT_TRUE(holds("node.platform.arch==arm64", n));
}

TEST(ConstraintMatch, FirstUnmetConstraintIsTheFirstThatFails) {
  Node n = make_node("a");
  n.labels["zone"] = "a";
  auto parsed = parse_constraints({"node.labels.zone==a", "node.role==manager", "node.hostname==b"});
  ASSERT_TRUE(parsed.ok());
  const Constraint* unmet = first_unmet_constraint(*parsed, n);
  ASSERT_NE(unmet, nullptr);
  EXPECT_EQ(unmet->text, "node.role==manager");
  n.role = NodeRole::kManager;
  n.hostname = "b";
  EXPECT_EQ(first_unmet_constraint(*parsed, n), nullptr);
}

}  // namespace
}  // namespace miniswarm
