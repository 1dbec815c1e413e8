// The JSON form of the object model (objects_json.cpp): every field survives a round
// trip, enums are names, missing keys keep defaults, and wrong input names its field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "miniswarm/store/objects.hpp"
#include "store_test_support.hpp"

namespace miniswarm {
namespace {

using nlohmann::json;
using namespace testing_support;

/// to_json then from_json (through the text form, as the store and the API do).
template <class T>
T round_trip(const T& value) {
  json j = value;
  return json::parse(j.dump()).get<T>();
}

/// The message of the exception from_json throws for `text`, or "" when none.
template <class T>
std::string from_json_error(const std::string& text) {
  try {
    (void)json::parse(text).get<T>();
  } catch (const json::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ObjectsJson, ResourcesRoundTrip) {
  Resources r{1'500'000'000, 1 << 20};
  ASSERT_NE(r, Resources{});
  EXPECT_EQ(round_trip(r), r);
}

TEST(ObjectsJson, NodeRoundTrips) {
  Node n = full_node();
  ASSERT_NE(n, Node{});
  EXPECT_EQ(round_trip(n), n);
}

TEST(ObjectsJson, RestartPolicyRoundTrips) {
  RestartPolicy p{RestartCondition::kNone, 1, 2, 3, true, 4};
  ASSERT_NE(p, RestartPolicy{});
  EXPECT_EQ(round_trip(p), p);
}

TEST(ObjectsJson, PlacementRoundTrips) {
  Placement p{{"node.hostname==a"}, 1, PlacementStrategy::kRoundRobin};
  ASSERT_NE(p, Placement{});
  EXPECT_EQ(round_trip(p), p);
}

TEST(ObjectsJson, ContainerSpecRoundTrips) {
  ContainerSpec c = full_spec().container;
  ASSERT_NE(c, ContainerSpec{});
  EXPECT_EQ(round_trip(c), c);
}

TEST(ObjectsJson, ServiceSpecRoundTrips) {
  ServiceSpec s = full_spec();
  ASSERT_NE(s, ServiceSpec{});
  EXPECT_EQ(round_trip(s), s);
}

TEST(ObjectsJson, ServiceRoundTrips) {
  Service s = full_service();
  ASSERT_NE(s, Service{});
  EXPECT_EQ(round_trip(s), s);
}

TEST(ObjectsJson, TaskStatusRoundTrips) {
  TaskStatus s{TaskState::kRejected, 5, "refused", "no such image", 125};
  ASSERT_NE(s, TaskStatus{});
  EXPECT_EQ(round_trip(s), s);
}

TEST(ObjectsJson, TaskRoundTrips) {
  Task t = full_task();
  ASSERT_NE(t, Task{});
  EXPECT_EQ(round_trip(t), t);
}

TEST(ObjectsJson, ClusterRoundTrips) {
  Cluster c = full_cluster();
  ASSERT_NE(c, Cluster{});
  EXPECT_EQ(round_trip(c), c);
}

TEST(ObjectsJson, EveryTaskStateRoundTripsByName) {
  for (auto state : {TaskState::kNew, TaskState::kPending, TaskState::kAssigned,
                     TaskState::kAccepted, TaskState::kPreparing, TaskState::kStarting,
                     TaskState::kRunning, TaskState::kComplete, TaskState::kShutdown,
                     TaskState::kFailed, TaskState::kRejected, TaskState::kOrphaned}) {
    TaskStatus s;
    s.state = state;
    json j = s;
    EXPECT_EQ(j["state"], std::string(to_string(state)));
    EXPECT_EQ(round_trip(s).state, state) << to_string(state);
  }
}

TEST(ObjectsJson, KeysAreTheFieldNamesAndEnumsAreNames) {
  json task = full_task();
  EXPECT_EQ(task["service_id"], "svc-1");
  EXPECT_EQ(task["desired_state"], "shutdown");
  EXPECT_EQ(task["status"]["state"], "failed");
  EXPECT_EQ(task["spec"]["restart"]["condition"], "on-failure");
  EXPECT_EQ(task["spec"]["mode"], "global");
  EXPECT_EQ(task["spec"]["placement"]["strategy"], "binpack");
  json node = full_node();
  EXPECT_EQ(node["role"], "manager");
  EXPECT_EQ(node["availability"], "drain");
  EXPECT_EQ(node["status"], "down");
  EXPECT_EQ(node["total"]["nano_cpus"], 2'000'000'000);
}

TEST(ObjectsJson, MissingKeysKeepTheDefaults) {
  auto spec = json::parse(R"({"name":"web","container":{"image":"busybox"}})").get<ServiceSpec>();
  ServiceSpec expected;
  expected.name = "web";
  expected.container.image = "busybox";
  EXPECT_EQ(spec, expected);
  EXPECT_EQ(spec.replicas, 1u);
  EXPECT_EQ(spec.restart.delay_ms, 5000);
  EXPECT_EQ(json::parse("{}").get<Node>().os, "linux");
}

TEST(ObjectsJson, NullKeepsTheDefault) {
  auto task = json::parse(R"({"id":"t","desired_state":null,"history":null})").get<Task>();
  EXPECT_EQ(task.desired_state, TaskState::kRunning);
  EXPECT_TRUE(task.history.empty());
}

TEST(ObjectsJson, UnknownKeysAreIgnored) {
  auto node = json::parse(R"({"id":"n","future_field":{"x":1}})").get<Node>();
  EXPECT_EQ(node.id, "n");
}

TEST(ObjectsJson, UnknownEnumNameNamesTheFieldPathAndTheAllowedValues) {
  std::string what =
      from_json_error<Service>(R"({"spec":{"restart":{"condition":"always"}}})");
  EXPECT_NE(what.find("field `spec.restart.condition`"), std::string::npos) << what;
  EXPECT_NE(what.find("`always`"), std::string::npos) << what;
  EXPECT_NE(what.find("none, on-failure, any"), std::string::npos) << what;
}

TEST(ObjectsJson, UnknownEnumNameThrowsOtherError) {
  EXPECT_THROW((void)json::parse(R"({"availability":"sleeping"})").get<Node>(),
               json::other_error);
  EXPECT_THROW((void)json::parse(R"({"mode":"daemonset"})").get<ServiceSpec>(),
               json::other_error);
  EXPECT_THROW((void)json::parse(R"({"placement":{"strategy":"best"}})").get<ServiceSpec>(),
               json::other_error);
}

TEST(ObjectsJson, UnknownTaskStateNamesTheFieldAndTheStates) {
  std::string what = from_json_error<Task>(R"({"status":{"state":"ready"}})");
  EXPECT_NE(what.find("field `status.state`"), std::string::npos) << what;
  EXPECT_NE(what.find("pending"), std::string::npos) << what;
  EXPECT_NE(from_json_error<Task>(R"({"desired_state":"up"})").find("field `desired_state`"),
            std::string::npos);
}

TEST(ObjectsJson, WrongTypeNamesTheFieldPath) {
  std::string what = from_json_error<Service>(R"({"spec":{"replicas":"three"}})");
  EXPECT_NE(what.find("field `spec.replicas`"), std::string::npos) << what;
  EXPECT_NE(what.find("number"), std::string::npos) << what;
  EXPECT_THROW((void)json::parse(R"({"labels":{"a":1}})").get<Node>(), json::type_error);
}

TEST(ObjectsJson, WrongTypeInsideAnArrayNamesTheArray) {
  std::string what = from_json_error<Task>(R"({"history":[{"exit_code":"x"}]})");
  EXPECT_NE(what.find("field `history.exit_code`"), std::string::npos) << what;
}

TEST(ObjectsJson, NonObjectIsRefused) {
  EXPECT_THROW((void)json::parse(R"("web")").get<Service>(), json::type_error);
  std::string what = from_json_error<ServiceSpec>(R"({"container":["busybox"]})");
  EXPECT_NE(what.find("field `container`"), std::string::npos) << what;
}

}  // namespace
}  // namespace miniswarm
