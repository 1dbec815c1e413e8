// `service create` flags -> ServiceSpec, `service update` flags -> update body, and
// the CLI11 declarations that read a Docker command line.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <regex>

#include "miniswarm/cli/service_cli_flags.hpp"
#include "miniswarm/cli/service_flags.hpp"

namespace miniswarm::cli {
namespace {

ServiceCreateFlags create_flags(std::vector<std::string> image_and_command = {"busybox"}) {
  ServiceCreateFlags f;
  f.name = "web";
  f.image_and_command = std::move(image_and_command);
  return f;
}

ServiceSpec built(const ServiceCreateFlags& f) {
  auto spec = build_service_spec(f);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().what());
  return spec.ok() ? *spec : ServiceSpec{};
}

std::string create_error(const ServiceCreateFlags& f) {
  auto spec = build_service_spec(f);
  return spec.ok() ? "(no error)" : spec.error().what();
}

TEST(BuildServiceSpec, ImageAndCommandSplit) {
  ServiceSpec spec = built(create_flags({"busybox", "sleep", "30", "-x"}));
  EXPECT_EQ(spec.container.image, "busybox");
  EXPECT_EQ(spec.container.args, (std::vector<std::string>{"sleep", "30", "-x"}));
  EXPECT_EQ(spec.name, "web");
}

TEST(BuildServiceSpec, NoFlagsGiveSwarmDefaults) {
  ServiceSpec spec = built(create_flags());
  ServiceSpec defaults;
  EXPECT_EQ(spec.replicas, 1u);
  EXPECT_EQ(spec.mode, ServiceMode::kReplicated);
  EXPECT_EQ(spec.restart, defaults.restart);
  EXPECT_EQ(spec.placement, defaults.placement);
  EXPECT_EQ(spec.reservations, Resources{});
  EXPECT_TRUE(spec.container.args.empty());
}

TEST(BuildServiceSpec, MissingImageIsAnErrorWithTheUsage) {
  EXPECT_NE(create_error(create_flags({})).find("an image is required"), std::string::npos);
}

TEST(BuildServiceSpec, WithoutNameAGeneratedValidNameIsUsed) {
  ServiceCreateFlags f = create_flags();
  f.name.clear();
  ServiceSpec spec = built(f);
  EXPECT_TRUE(std::regex_match(spec.name, std::regex("[a-z]+_[a-z]+"))) << spec.name;
}

TEST(BuildServiceSpec, ResourcesInDockerUnits) {
  ServiceCreateFlags f = create_flags();
  f.reserve_cpu = "0.5";
  f.reserve_memory = "64m";
  f.limit_cpu = "1.5";
  f.limit_memory = "1g";
  ServiceSpec spec = built(f);
  EXPECT_EQ(spec.reservations.nano_cpus, 500'000'000);
  EXPECT_EQ(spec.reservations.memory_bytes, 64 << 20);
  EXPECT_EQ(spec.limits.nano_cpus, 1'500'000'000);
  EXPECT_EQ(spec.limits.memory_bytes, int64_t{1} << 30);
}

TEST(BuildServiceSpec, BadResourceNamesItsFlag) {
  ServiceCreateFlags f = create_flags();
  f.reserve_memory = "12q";
  EXPECT_EQ(create_error(f), "--reserve-memory: `12q` is not a size (try 64m, 512k or 1g)");
  f = create_flags();
  f.limit_cpu = "lots";
  EXPECT_NE(create_error(f).find("--limit-cpu: `lots`"), std::string::npos);
}

TEST(BuildServiceSpec, RestartFlagsFillThePolicy) {
  ServiceCreateFlags f = create_flags();
  f.restart.condition = "on-failure";
  f.restart.delay = "500ms";
  f.restart.max_attempts = "3";
  f.restart.window = "1m";
  f.restart.backoff = true;
  f.restart.max_delay = "30s";
  RestartPolicy p = built(f).restart;
  EXPECT_EQ(p.condition, RestartCondition::kOnFailure);
  EXPECT_EQ(p.delay_ms, 500);
  EXPECT_EQ(p.max_attempts, 3u);
  EXPECT_EQ(p.window_ms, 60'000);
  EXPECT_TRUE(p.backoff);
  EXPECT_EQ(p.max_delay_ms, 30'000);
}

TEST(BuildServiceSpec, UnknownRestartConditionListsTheChoices) {
  ServiceCreateFlags f = create_flags();
  f.restart.condition = "always";
  EXPECT_EQ(create_error(f), "--restart-condition: `always` is not one of none, on-failure, any");
}

TEST(BuildServiceSpec, ConstraintsPassThroughUntouched) {
  ServiceCreateFlags f = create_flags();
  f.constraints = {"node.labels.zone==a", "node.role != manager"};
  EXPECT_EQ(built(f).placement.constraints, f.constraints);
}

TEST(BuildServiceSpec, PlacementStrategyAndMaxPerNode) {
  ServiceCreateFlags f = create_flags();
  f.placement.strategy = "binpack";
  f.placement.max_per_node = "2";
  Placement p = built(f).placement;
  EXPECT_EQ(p.strategy, PlacementStrategy::kBinpack);
  EXPECT_EQ(p.max_replicas_per_node, 2u);
  f.placement.strategy = "fill";
  EXPECT_NE(create_error(f).find("--placement-strategy: `fill`"), std::string::npos);
}

TEST(BuildServiceSpec, GlobalModeRefusesReplicas) {
  ServiceCreateFlags f = create_flags();
  f.mode = "global";
  EXPECT_EQ(built(f).mode, ServiceMode::kGlobal);
  f.replicas = "3";
  EXPECT_NE(create_error(f).find("--replicas: a global service runs one task per node"),
            std::string::npos);
}

TEST(BuildServiceSpec, EnvAndLabels) {
  ServiceCreateFlags f = create_flags();
  f.env = {"A=1", "B=two words"};
  f.labels = {"team=web", "tier"};
  f.container_labels = {"log=json"};
  ServiceSpec spec = built(f);
  EXPECT_EQ(spec.container.env, (std::vector<std::string>{"A=1", "B=two words"}));
  EXPECT_EQ(spec.labels, (std::map<std::string, std::string>{{"team", "web"}, {"tier", ""}}));
  EXPECT_EQ(spec.container.labels, (std::map<std::string, std::string>{{"log", "json"}}));
}

TEST(BuildServiceSpec, ReplicasMustBeAWholeNumber) {
  ServiceCreateFlags f = create_flags();
  f.replicas = "-1";
  EXPECT_EQ(create_error(f), "--replicas: `-1` is not a whole number >= 0");
}

ServiceSpec current_spec() {
  ServiceSpec spec;
  spec.name = "web";
  spec.container.image = "busybox";
  spec.replicas = 2;
  spec.placement.constraints = {"node.role==worker"};
  spec.labels = {{"team", "a"}};
  return spec;
}

nlohmann::json update_body(const ServiceUpdateFlags& f) {
  auto body = build_service_update(current_spec(), f);
  EXPECT_TRUE(body.ok()) << (body.ok() ? "" : body.error().what());
  return body.ok() ? *body : nlohmann::json();
}

TEST(BuildServiceUpdate, NoFlagsSendNothing) {
  EXPECT_EQ(update_body({}), nlohmann::json::object());
}

TEST(BuildServiceUpdate, ReplicasOnlySendsReplicas) {
  ServiceUpdateFlags f;
  f.replicas = "5";
  EXPECT_EQ(update_body(f), (nlohmann::json{{"replicas", 5}}));
}

TEST(BuildServiceUpdate, RestartFlagChangesOnlyThatFieldOfThePolicy) {
  ServiceUpdateFlags f;
  f.restart.delay = "10s";
  nlohmann::json body = update_body(f);
  ASSERT_EQ(body.size(), 1u);
  RestartPolicy expected = current_spec().restart;
  expected.delay_ms = 10'000;
  EXPECT_EQ(body["restart"].get<RestartPolicy>(), expected);
}

TEST(BuildServiceUpdate, ConstraintAddAppendsAndRmRemoves) {
  ServiceUpdateFlags f;
  f.constraint_add = {"node.labels.zone==a"};
  f.constraint_rm = {"node.role == worker"};  // spaces do not matter
  nlohmann::json body = update_body(f);
  EXPECT_EQ(body["placement"]["constraints"], (nlohmann::json{"node.labels.zone==a"}));
}

TEST(BuildServiceUpdate, ConstraintAddDoesNotDuplicate) {
  ServiceUpdateFlags f;
  f.constraint_add = {"node.role==worker"};
  EXPECT_EQ(update_body(f)["placement"]["constraints"], (nlohmann::json{"node.role==worker"}));
}

TEST(BuildServiceUpdate, RemovingAnAbsentConstraintIsAnError) {
  ServiceUpdateFlags f;
  f.constraint_rm = {"node.labels.zone==b"};
  auto body = build_service_update(current_spec(), f);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().what(),
            "--constraint-rm: the service has no constraint `node.labels.zone==b` (it has: "
            "node.role==worker)");
}

TEST(BuildServiceUpdate, LabelsAddAndRemove) {
  ServiceUpdateFlags f;
  f.label_add = {"tier=front"};
  f.label_rm = {"team"};
  EXPECT_EQ(update_body(f), (nlohmann::json{{"labels", {{"tier", "front"}}}}));
  f.label_rm = {"nope"};
  EXPECT_FALSE(build_service_update(current_spec(), f).ok());
}

TEST(BuildServiceUpdate, OnlyKeysTheManagerAccepts) {
  ServiceUpdateFlags f;
  f.replicas = "1";
  f.restart.condition = "none";
  f.placement.strategy = "random";
  f.label_add = {"a=b"};
  nlohmann::json body = update_body(f);  // a named value: items() of a temporary would dangle
  ASSERT_EQ(body.size(), 4u);
  for (const auto& [key, value] : body.items()) {
    EXPECT_TRUE(key == "replicas" || key == "restart" || key == "placement" || key == "labels")
        << key;
  }
}

/// Parses `args` (without the program name) with create's flags.
struct ParsedCreate {
  ServiceCreateFlags flags;
  WaitFlags wait;
  std::vector<std::string> remaining;
};

ParsedCreate parse_create(std::vector<std::string> args) {
  ParsedCreate parsed;
  CLI::App app{"test"};
  add_service_create_flags(app, parsed.flags, parsed.wait);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
  app.parse(args);
  parsed.remaining = app.remaining();
  return parsed;
}

TEST(ServiceCreateCommandLine, EverythingAfterTheImageIsTheCommand) {
  ParsedCreate p =
      parse_create({"--name", "web", "busybox", "sleep", "30", "-x", "--replicas", "2"});
  EXPECT_EQ(p.flags.name, "web");
  EXPECT_FALSE(p.flags.replicas.has_value());
  EXPECT_EQ(p.remaining,
            (std::vector<std::string>{"busybox", "sleep", "30", "-x", "--replicas", "2"}));
}

TEST(ServiceCreateCommandLine, RepeatableFlagTakesOneValuePerUse) {
  ParsedCreate p =
      parse_create({"-e", "A=1", "--env", "B=2", "--constraint", "node.role==worker", "busybox"});
  EXPECT_EQ(p.flags.env, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(p.flags.constraints, (std::vector<std::string>{"node.role==worker"}));
  EXPECT_EQ(p.remaining, (std::vector<std::string>{"busybox"}));
}

TEST(ServiceCreateCommandLine, ValueFlagsKeepTheTextAsTyped) {
  ParsedCreate p = parse_create({"--replicas", "3", "--reserve-memory", "64m", "--restart-backoff",
                                 "-d", "--timeout", "5s", "busybox"});
  EXPECT_EQ(p.flags.replicas, "3");
  EXPECT_EQ(p.flags.reserve_memory, "64m");
  EXPECT_EQ(p.flags.restart.backoff, true);
  EXPECT_TRUE(p.wait.detach);
  EXPECT_EQ(p.wait.timeout, "5s");
  EXPECT_FALSE(p.flags.reserve_cpu.has_value());
}

TEST(ServiceCreateCommandLine, UnknownFlagBeforeTheImageIsRefused) {
  // prefix_command() hands an unknown flag over with the rest; the spec refuses it as
  // an image, naming it.
  ParsedCreate p = parse_create({"--no-such-flag", "busybox"});
  p.flags.image_and_command = p.remaining;
  auto spec = build_service_spec(p.flags);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(
      spec.error().what(),
      "unknown flag `--no-such-flag` (flags go before IMAGE: miniswarm service create --help)");
}

TEST(ServiceUpdateCommandLine, RepeatableFlagsAndBackoffSwitch) {
  ServiceUpdateFlags flags;
  WaitFlags wait;
  CLI::App app{"test"};
  std::string name;
  add_service_update_flags(app, flags, wait);
  app.add_option("SERVICE", name)->required();
  std::vector<std::string> args = {"--constraint-add",     "a==b", "--constraint-add", "c==d",
                                   "--no-restart-backoff", "web"};
  std::reverse(args.begin(), args.end());
  app.parse(args);
  EXPECT_EQ(flags.constraint_add, (std::vector<std::string>{"a==b", "c==d"}));
  EXPECT_EQ(flags.restart.backoff, false);
  EXPECT_EQ(name, "web");
  EXPECT_TRUE(flags.any());
}

}  // namespace
}  // namespace miniswarm::cli
