// Typed instructions and stages: what each instruction means, and every error the
// instruction layer gives, each located as Dockerfile:LINE:COLUMN.
#include "imagebuilder/spec/instructions.hpp"

#include <gtest/gtest.h>

#include "imagebuilder/spec/duration.hpp"

namespace imagebuilder::spec {
namespace {

Dockerfile load_ok(std::string_view text) {
  auto loaded = load_dockerfile(text);
  EXPECT_TRUE(loaded.ok()) << loaded.error().what();
  return loaded.ok() ? *loaded : Dockerfile{};
}

std::string error_of(std::string_view text) {
  auto loaded = load_dockerfile(text);
  return loaded.ok() ? "accepted" : loaded.error().what();
}

template <class T>
const T& command_at(const Dockerfile& d, std::size_t stage, std::size_t index) {
  return std::get<T>(d.stages.at(stage).instructions.at(index).command);
}

TEST(Instructions, StagesSplitAtFrom) {
  Dockerfile d = load_ok("FROM alpine AS Build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n");
  ASSERT_EQ(d.stages.size(), 2u);
  EXPECT_EQ(d.stages[0].base, "alpine");
  EXPECT_EQ(d.stages[0].name, "build");
  EXPECT_EQ(d.stages[1].name, "");
  EXPECT_EQ(d.stages[1].where.line, 3);
  EXPECT_EQ(command_at<Copy>(d, 1, 0).from_stage, std::optional<std::size_t>(0));
}

TEST(Instructions, GlobalArgsAreKeptApart) {
  Dockerfile d = load_ok("ARG VERSION=3.19 OTHER\nFROM alpine:$VERSION\nARG VERSION\n");
  EXPECT_EQ(d.global_args, (std::vector<Arg>{{"VERSION", "3.19"}, {"OTHER", std::nullopt}}));
  ASSERT_EQ(d.stages[0].instructions.size(), 1u);
  EXPECT_EQ(command_at<Arg>(d, 0, 0).name, "VERSION");
  EXPECT_FALSE(command_at<Arg>(d, 0, 0).default_value.has_value());
}

TEST(Instructions, FromBaseMayNameAnEarlierStage) {
  Dockerfile d = load_ok("FROM alpine AS base\nFROM base\n");
  EXPECT_EQ(d.stages[1].base_stage, std::optional<std::size_t>(0));
}

TEST(Instructions, RunShellAndExecForms) {
  Dockerfile d = load_ok("FROM x\nRUN echo $HOME\nRUN [\"echo\", \"hi\"]\nRUN --network=none true\n");
  EXPECT_TRUE(command_at<spec::Run>(d, 0, 0).command.shell_form);
  EXPECT_EQ(command_at<spec::Run>(d, 0, 0).command.args, std::vector<std::string>{"echo $HOME"});
  EXPECT_FALSE(command_at<spec::Run>(d, 0, 1).command.shell_form);
  EXPECT_EQ(command_at<spec::Run>(d, 0, 1).command.args, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(command_at<spec::Run>(d, 0, 2).network, "none");
}

TEST(Instructions, CopyFlagsAreRead) {
  Dockerfile d = load_ok("FROM x\nCOPY --chown=1:2 --chmod=0644 --link a b /dst/\n");
  const Copy& c = command_at<Copy>(d, 0, 0);
  EXPECT_EQ(c.sources, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.dest, "/dst/");
  EXPECT_EQ(c.chown, "1:2");
  EXPECT_EQ(c.chmod, "0644");
  EXPECT_TRUE(c.link);
}

TEST(Instructions, CopyFromUnknownNameIsAnImage) {
  Dockerfile d = load_ok("FROM x\nCOPY --from=nginx:latest /etc/nginx /etc/nginx\n");
  EXPECT_EQ(command_at<Copy>(d, 0, 0).from, "nginx:latest");
  EXPECT_FALSE(command_at<Copy>(d, 0, 0).from_stage.has_value());
}

TEST(Instructions, EnvAndLabelPairsKeepOrderAndQuotes) {
  Dockerfile d = load_ok("FROM x\nENV B=2 A=\"x y\"\nENV OLD form value\nLABEL a=b\n");
  EXPECT_EQ(command_at<Env>(d, 0, 0).pairs, (std::vector<KeyValue>{{"B", "2"}, {"A", "\"x y\""}}));
  EXPECT_EQ(command_at<Env>(d, 0, 1).pairs, (std::vector<KeyValue>{{"OLD", "form value"}}));
  EXPECT_EQ(command_at<Label>(d, 0, 2).pairs, (std::vector<KeyValue>{{"a", "b"}}));
}

TEST(Instructions, HealthcheckParsesDurationsAndRetries) {
  Dockerfile d = load_ok(
      "FROM x\nHEALTHCHECK --interval=1m30s --timeout=3s --start-period=500ms --start-interval=2s --retries=4 "
      "CMD curl -f http://localhost/\nHEALTHCHECK NONE\nHEALTHCHECK CMD [\"/bin/check\", \"-q\"]\n");
  const Healthcheck& h = command_at<Healthcheck>(d, 0, 0);
  EXPECT_EQ(h.test, (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/"}));
  EXPECT_EQ(h.interval, std::chrono::seconds(90));
  EXPECT_EQ(h.timeout, std::chrono::seconds(3));
  EXPECT_EQ(h.start_period, std::chrono::milliseconds(500));
  EXPECT_EQ(h.start_interval, std::chrono::seconds(2));
  EXPECT_EQ(h.retries, 4);
  EXPECT_TRUE(command_at<Healthcheck>(d, 0, 1).none);
  EXPECT_EQ(command_at<Healthcheck>(d, 0, 2).test, (std::vector<std::string>{"CMD", "/bin/check", "-q"}));
}

TEST(Instructions, OnbuildKeepsTriggerText) {
  Dockerfile d = load_ok("FROM x\nonbuild   RUN echo hi\n");
  EXPECT_EQ(command_at<Onbuild>(d, 0, 0).expression, "RUN echo hi");
}

TEST(Instructions, OtherInstructionsKeepTheirArguments) {
  Dockerfile d = load_ok(
      "FROM x\nWORKDIR /app\nUSER 1000:1000\nEXPOSE 80 443/tcp\nVOLUME [\"/data\"]\nSHELL [\"/bin/bash\", \"-c\"]\n"
      "STOPSIGNAL SIGTERM\nMAINTAINER me\nCMD [\"a\"]\nENTRYPOINT run it\n");
  EXPECT_EQ(command_at<Workdir>(d, 0, 0).path, "/app");
  EXPECT_EQ(command_at<User>(d, 0, 1).user, "1000:1000");
  EXPECT_EQ(command_at<Expose>(d, 0, 2).ports, (std::vector<std::string>{"80", "443/tcp"}));
  EXPECT_EQ(command_at<Volume>(d, 0, 3).paths, std::vector<std::string>{"/data"});
  EXPECT_EQ(command_at<Shell>(d, 0, 4).shell, (std::vector<std::string>{"/bin/bash", "-c"}));
  EXPECT_EQ(command_at<Stopsignal>(d, 0, 5).signal, "SIGTERM");
  EXPECT_EQ(command_at<Maintainer>(d, 0, 6).name, "me");
  EXPECT_FALSE(command_at<Cmd>(d, 0, 7).command.shell_form);
  EXPECT_TRUE(command_at<Entrypoint>(d, 0, 8).command.shell_form);
  EXPECT_EQ(d.stages[0].instructions[8].original, "ENTRYPOINT run it");
}

TEST(Instructions, FromPlatformIsIgnoredWithAWarning) {
  Dockerfile d = load_ok("FROM --platform=linux/arm64 alpine\n");
  EXPECT_EQ(d.stages[0].platform, "linux/arm64");
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("is ignored"), std::string::npos);
}

// --- errors, one property each

TEST(Instructions, UnknownFlagIsRefused) {
  EXPECT_EQ(error_of("FROM x\nCOPY --frm=x a b\n"),
            "Dockerfile:2:1: unknown flag: --frm (COPY accepts --from, --chown, --chmod, --link)");
  EXPECT_EQ(error_of("FROM x\nWORKDIR --x=1 /a\n"), "Dockerfile:2:1: unknown flag: --x (WORKDIR takes no flags)");
}

TEST(Instructions, FlagWithoutValueIsRefused) {
  EXPECT_EQ(error_of("FROM x\nCOPY --from a b\n"), "Dockerfile:2:1: missing a value on flag: --from");
}

TEST(Instructions, DuplicateFlagIsRefused) {
  EXPECT_EQ(error_of("FROM x\nCOPY --chown=a --chown=b a b\n"), "Dockerfile:2:1: duplicate flag specified: --chown");
}

TEST(Instructions, CopyWithOneArgumentIsRefused) {
  EXPECT_EQ(error_of("FROM x\nCOPY onlyone\n"),
            "Dockerfile:2:1: COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined");
}

TEST(Instructions, MissingFromIsRefused) {
  EXPECT_EQ(error_of("ARG A=1\n"),
            "Dockerfile:1:1: no FROM instruction: a build needs a base image (FROM image, or FROM scratch)");
}

TEST(Instructions, OnlyArgMayComeBeforeFrom) {
  EXPECT_EQ(error_of("ARG A\nRUN true\nFROM x\n"),
            "Dockerfile:2:1: RUN before the first FROM: only ARG may come before FROM");
  EXPECT_EQ(error_of("COPY onlyone\nFROM x\n"),
            "Dockerfile:1:1: COPY before the first FROM: only ARG may come before FROM");
}

TEST(Instructions, DuplicateStageNamesAreRefused) {
  EXPECT_EQ(error_of("FROM a AS build\nFROM b AS BUILD\n"),
            "Dockerfile:2:1: duplicate stage name \"build\" (first defined on line 1)");
}

TEST(Instructions, BadStageNameIsRefused) {
  EXPECT_EQ(error_of("FROM a AS 1st\n"),
            "Dockerfile:1:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols");
}

TEST(Instructions, FromWithWrongArgumentCountIsRefused) {
  EXPECT_EQ(error_of("FROM a b\n"), "Dockerfile:1:1: FROM requires either one or three arguments (FROM image [AS name])");
}

TEST(Instructions, CopyFromLaterStageIsRefused) {
  EXPECT_EQ(error_of("FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\n"),
            "Dockerfile:2:1: COPY --from=two refers to a later stage (line 3); a stage can only copy from earlier stages");
}

TEST(Instructions, CopyFromItselfIsRefused) {
  EXPECT_EQ(error_of("FROM a AS one\nCOPY --from=one /x /x\n"), "Dockerfile:2:1: COPY --from=one refers to the stage it is in");
  EXPECT_EQ(error_of("FROM a\nCOPY --from=0 /x /x\n"),
            "Dockerfile:2:1: COPY --from=0 refers to stage 0, which is not an earlier stage (there is no earlier stage)");
}

TEST(Instructions, BadDurationIsRefused) {
  EXPECT_EQ(error_of("FROM a\nHEALTHCHECK --interval=5 CMD true\n"),
            "Dockerfile:2:1: --interval: invalid duration \"5\": missing unit (examples: 30s, 1m30s, 250ms)");
  EXPECT_EQ(error_of("FROM a\nHEALTHCHECK --timeout=10us CMD true\n"),
            "Dockerfile:2:1: --timeout=10us cannot be less than 1ms (0 means the default)");
}

TEST(Instructions, NegativeRetriesAreRefused) {
  EXPECT_EQ(error_of("FROM a\nHEALTHCHECK --retries=-1 CMD true\n"), "Dockerfile:2:1: --retries cannot be negative (-1)");
}

TEST(Instructions, HealthcheckTypeMustBeCmdOrNone) {
  EXPECT_EQ(error_of("FROM a\nHEALTHCHECK CONNECT TCP 7000\n"),
            "Dockerfile:2:1: Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)");
  EXPECT_EQ(error_of("FROM a\nHEALTHCHECK CMD\n"), "Dockerfile:2:1: Missing command after HEALTHCHECK CMD");
}

TEST(Instructions, BadChmodIsRefused) {
  EXPECT_EQ(error_of("FROM a\nCOPY --chmod=0899 a b\n"),
            "Dockerfile:2:1: invalid --chmod=0899: expected an octal mode such as 0755");
  EXPECT_EQ(error_of("FROM a\nADD --chmod=u+x a b\n"),
            "Dockerfile:2:1: invalid --chmod=u+x: expected an octal mode such as 0755");
}

TEST(Instructions, ShellMustBeJson) {
  EXPECT_EQ(error_of("FROM a\nSHELL /bin/bash -c\n"),
            "Dockerfile:2:1: SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]");
}

TEST(Instructions, RunMountIsNotSupported) {
  EXPECT_EQ(error_of("FROM a\nRUN --mount=type=cache,target=/x true\n"),
            "Dockerfile:2:1: RUN --mount is not supported by imagebuilder (no cache, secret or bind mounts)");
}

TEST(Instructions, RunNetworkMustBeKnown) {
  EXPECT_EQ(error_of("FROM a\nRUN --network=bridge true\n"),
            "Dockerfile:2:1: unsupported network mode --network=bridge (use default, none or host)");
}

TEST(Instructions, AddFromRemoteUrlIsRefused) {
  EXPECT_NE(error_of("FROM a\nADD https://example.com/x.tgz /\n").find("remote URLs are not supported"), std::string::npos);
  EXPECT_EQ(add_source_kind("file:///ctx/a.tar"), AddSourceKind::kFileUrl);
  EXPECT_EQ(add_source_kind("dir/a.tar.gz"), AddSourceKind::kLocal);
}

TEST(Instructions, SingleArgumentInstructionsNeedOne) {
  EXPECT_EQ(error_of("FROM a\nWORKDIR\n"), "Dockerfile:2:1: WORKDIR requires exactly one argument");
  EXPECT_EQ(error_of("FROM a\nEXPOSE\n"), "Dockerfile:2:1: EXPOSE requires at least one argument");
}

TEST(Instructions, OnbuildCannotChainOrWrapFrom) {
  EXPECT_EQ(error_of("FROM a\nONBUILD ONBUILD RUN x\n"), "Dockerfile:2:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(error_of("FROM a\nONBUILD FROM b\n"), "Dockerfile:2:1: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(error_of("FROM a\nONBUILD COPY --frm=x a b\n"),
            "Dockerfile:2:1: unknown flag: --frm (COPY accepts --from, --chown, --chmod, --link)");
}

// --- expansion

TEST(Instructions, ExpansionListFollowsBuildKit) {
  for (const char* k : {"add", "arg", "copy", "env", "expose", "from", "label", "stopsignal", "user", "volume", "workdir"}) {
    EXPECT_TRUE(takes_expansion(k)) << k;
  }
  for (const char* k : {"run", "cmd", "entrypoint", "healthcheck", "shell", "onbuild", "maintainer"}) {
    EXPECT_FALSE(takes_expansion(k)) << k;
  }
}

TEST(Instructions, ExpandInstructionUsesTheGivenEnvironment) {
  Dockerfile d = load_ok("FROM a\nCOPY --chown=$U --chmod=$M $SRC \"${DST:-/opt}\"\nEXPOSE $PORTS\nRUN echo $U\n");
  Environment env{{"U", "app"}, {"M", "0755"}, {"SRC", "src/"}, {"PORTS", "80 443"}};
  auto copy = expand_instruction(d.stages[0].instructions[0], env, d.escape);
  ASSERT_TRUE(copy.ok()) << copy.error().what();
  const Copy& c = std::get<Copy>(copy->command);
  EXPECT_EQ(c.chown, "app");
  EXPECT_EQ(c.chmod, "0755");
  EXPECT_EQ(c.sources, std::vector<std::string>{"src/"});
  EXPECT_EQ(c.dest, "/opt");
  auto expose = expand_instruction(d.stages[0].instructions[1], env, d.escape);
  ASSERT_TRUE(expose.ok());
  EXPECT_EQ(std::get<Expose>(expose->command).ports, (std::vector<std::string>{"80", "443"}));
  auto run = expand_instruction(d.stages[0].instructions[2], env, d.escape);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(std::get<spec::Run>(run->command).command.args, std::vector<std::string>{"echo $U"});
}

TEST(Instructions, ExpansionErrorsAreLocated) {
  Dockerfile d = load_ok("FROM a\nWORKDIR ${DIR:?set DIR}\nCOPY --chmod=$M a b\n");
  auto workdir = expand_instruction(d.stages[0].instructions[0], Environment{}, d.escape);
  ASSERT_FALSE(workdir.ok());
  EXPECT_EQ(workdir.error().what(), "Dockerfile:2:1: failed to process \"${DIR:?set DIR}\": DIR: set DIR");
  auto chmod = expand_instruction(d.stages[0].instructions[1], Environment{{"M", "rwx"}}, d.escape);
  ASSERT_FALSE(chmod.ok());
  EXPECT_EQ(chmod.error().what(), "Dockerfile:3:1: invalid --chmod=rwx: expected an octal mode such as 0755");
}

TEST(Duration, GoSyntax) {
  EXPECT_EQ(*parse_go_duration("1h2m3s"), std::chrono::seconds(3723));
  EXPECT_EQ(*parse_go_duration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*parse_go_duration("0"), std::chrono::nanoseconds(0));
  EXPECT_EQ(*parse_go_duration("-2ms"), std::chrono::milliseconds(-2));
  EXPECT_FALSE(parse_go_duration("").ok());
  EXPECT_FALSE(parse_go_duration("5").ok());
  EXPECT_FALSE(parse_go_duration("5d").ok());
  EXPECT_FALSE(parse_go_duration("s").ok());
}

}  // namespace
}  // namespace imagebuilder::spec
