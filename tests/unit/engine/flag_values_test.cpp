// `docker run` flag values: sizes, CPUs, limits, policies, durations, env, labels,
// security options and capabilities. Every bad value must be an error that names the
// flag and quotes the value.
#include "minirun/engine/flag_values.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "minirun/runtime/capabilities.hpp"

namespace minirun::engine {
namespace {

constexpr int64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

/// The value was refused, and the message names the flag and quotes the value.
template <class T>
::testing::AssertionResult FailsNaming(const Result<T>& result, std::string_view flag, std::string_view text) {
  if (result.ok()) return ::testing::AssertionFailure() << "\"" << text << "\" was accepted";
  const std::string message = result.error().what();
  if (message.find(flag) == std::string::npos || message.find("\"" + std::string(text) + "\"") == std::string::npos)
    return ::testing::AssertionFailure() << "message does not name " << flag << " and \"" << text << "\": " << message;
  return ::testing::AssertionSuccess();
}

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// ---- sizes ------------------------------------------------------------------------

TEST(ParseBytes, UnitsAreBinaryMultiples) {
  const std::pair<const char*, int64_t> cases[] = {
      {"512", 512},       {"100b", 100},           {"1k", KiB},           {"512m", 512 * MiB},
      {"2g", 2 * GiB},    {"1t", 1024 * GiB},      {"1p", 1024 * 1024 * GiB}, {"0", 0}};
  for (const auto& [text, bytes] : cases) {
    auto result = parse_bytes(text, "--memory");
    ASSERT_TRUE(result.ok()) << text << ": " << result.error().what();
    EXPECT_EQ(*result, bytes) << text;
  }
}

TEST(ParseBytes, UnitIsCaseInsensitiveWithOptionalBOrIB) {
  for (const char* text : {"512M", "512mb", "512MB", "512MiB", "512mib", "512 MB"}) {
    auto result = parse_bytes(text, "--memory");
    ASSERT_TRUE(result.ok()) << text << ": " << result.error().what();
    EXPECT_EQ(*result, 512 * MiB) << text;
  }
}

TEST(ParseBytes, FractionsAreAllowedAndTruncatedToBytes) {
  EXPECT_EQ(*parse_bytes("1.5g", "--memory"), GiB + GiB / 2);
  EXPECT_EQ(*parse_bytes("0.5k", "--memory"), 512);
  EXPECT_EQ(*parse_bytes("1.0001k", "--memory"), 1024);  // 1024.1024 bytes
}

TEST(ParseBytes, ErrorNamesFlagValueAndShowsTheForm) {
  auto result = parse_bytes("12q", "--memory");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().what(),
            "--memory: invalid size \"12q\": unknown unit \"q\"; use a number with an optional unit b, k, m, g, t or p "
            "(e.g. 512m)");
}

TEST(ParseBytes, MalformedSizesAreErrors) {
  for (const char* text : {"12q", "", "-1", "m", "1.2.3", "1kbb", "1bb", "1kx", "abc", "1e3", " 1", "1gb "})
    EXPECT_TRUE(FailsNaming(parse_bytes(text, "--memory"), "--memory", text));
}

TEST(ParseBytes, MoreThanInt64IsAnError) {
  EXPECT_EQ(*parse_bytes("9223372036854775807", "--memory"), INT64_MAX);
  for (const char* text : {"9223372036854775808", "8589934592g", "99999999999999999999999", "8192p"})
    EXPECT_TRUE(FailsNaming(parse_bytes(text, "--memory"), "--memory", text));
}

TEST(ParseMemorySwap, MinusOneIsUnlimitedAndOtherNegativesAreErrors) {
  EXPECT_EQ(*parse_memory_swap("-1", "--memory-swap"), -1);
  EXPECT_EQ(*parse_memory_swap("1g", "--memory-swap"), GiB);
  auto bad = parse_memory_swap("-2", "--memory-swap");
  EXPECT_TRUE(FailsNaming(bad, "--memory-swap", "-2"));
  EXPECT_NE(bad.error().what().find("-1 for unlimited"), std::string::npos) << bad.error().what();
}

// ---- CPUs -------------------------------------------------------------------------

TEST(ParseNanoCpus, DecimalCpusBecomeExactNanoCpus) {
  const std::pair<const char*, int64_t> cases[] = {
      {"1.5", 1'500'000'000}, {"0.1", 100'000'000}, {"0.01", 10'000'000}, {"2", 2'000'000'000}, {"1.000000001", 1'000'000'001}};
  for (const auto& [text, nanos] : cases) {
    auto result = parse_nano_cpus(text, "--cpus", 2);
    ASSERT_TRUE(result.ok()) << text << ": " << result.error().what();
    EXPECT_EQ(*result, nanos) << text;
  }
}

TEST(ParseNanoCpus, OutOfRangeIsAnErrorThatStatesTheRange) {
  for (const char* text : {"0", "-1", "2.5", "3", "0.001", "0.009999"}) {
    auto result = parse_nano_cpus(text, "--cpus", 2);
    EXPECT_TRUE(FailsNaming(result, "--cpus", text));
    if (!result.ok()) {
      EXPECT_NE(result.error().what().find("from 0.01 to 2.00, as there are only 2 CPUs available"), std::string::npos)
          << result.error().what();
    }
  }
}

TEST(ParseNanoCpus, NotADecimalNumberIsAnError) {
  for (const char* text : {"abc", "1.5x", "", "1e3", "1,5", "0.0000000001"})
    EXPECT_TRUE(FailsNaming(parse_nano_cpus(text, "--cpus", 2), "--cpus", text));
}

TEST(ParseNanoCpus, DefaultLimitIsTheOnlineCpuCount) {
  const int online = online_cpu_count();
  ASSERT_EQ(online, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_TRUE(parse_nano_cpus(std::to_string(online), "--cpus").ok());
  EXPECT_FALSE(parse_nano_cpus(std::to_string(online + 1), "--cpus").ok());
}

TEST(ParseCpuset, ListsAndRangesAreSortedAndMerged) {
  const std::pair<const char*, const char*> cases[] = {
      {"0-1,3", "0-1,3"}, {"3,0,1", "0-1,3"}, {"2,1,0-1", "0-2"}, {"0", "0"}, {"1-1", "1"}, {"0-3", "0-3"}};
  for (const auto& [text, normal] : cases) {
    auto result = parse_cpuset(text, "--cpuset-cpus", 4);
    ASSERT_TRUE(result.ok()) << text << ": " << result.error().what();
    EXPECT_EQ(*result, normal) << text;
  }
}

TEST(ParseCpuset, EmptyMeansNoRestriction) { EXPECT_EQ(*parse_cpuset("", "--cpuset-cpus", 4), ""); }

TEST(ParseCpuset, BadSyntaxIsAnError) {
  for (const char* text : {"a", "1-", "-1", "1,,2", "3-1", " 1", "1-2-3", ",", "1,", "+1", "0x1"})
    EXPECT_TRUE(FailsNaming(parse_cpuset(text, "--cpuset-cpus", 4), "--cpuset-cpus", text));
}

TEST(ParseCpuset, CpuThatIsNotOnlineIsAnError) {
  EXPECT_TRUE(FailsNaming(parse_cpuset("4", "--cpuset-cpus", 4), "--cpuset-cpus", "4"));
  auto result = parse_cpuset("0-7", "--cpuset-cpus", 2);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().what().find("CPU 7 does not exist"), std::string::npos) << result.error().what();
}

// ---- counts -----------------------------------------------------------------------

TEST(ParseCpuShares, ZeroOrTwoTo262144) {
  for (int64_t shares : {0, 2, 1024, 262144}) EXPECT_EQ(*parse_cpu_shares(std::to_string(shares), "--cpu-shares"), shares);
  for (const char* text : {"1", "-5", "262145", "abc", "1.5", ""})
    EXPECT_TRUE(FailsNaming(parse_cpu_shares(text, "--cpu-shares"), "--cpu-shares", text));
}

TEST(ParsePidsLimit, ZeroAndMinusOneMeanUnlimited) {
  EXPECT_EQ(*parse_pids_limit("-1", "--pids-limit"), -1);
  EXPECT_EQ(*parse_pids_limit("0", "--pids-limit"), -1);
  EXPECT_EQ(*parse_pids_limit("100", "--pids-limit"), 100);
  for (const char* text : {"-2", "abc", "", "10k"})
    EXPECT_TRUE(FailsNaming(parse_pids_limit(text, "--pids-limit"), "--pids-limit", text));
}

TEST(ParseStopTimeout, WholeSecondsFromMinusOne) {
  EXPECT_EQ(*parse_stop_timeout("-1", "--stop-timeout"), -1);
  EXPECT_EQ(*parse_stop_timeout("0", "--stop-timeout"), 0);
  EXPECT_EQ(*parse_stop_timeout("30", "--stop-timeout"), 30);
  for (const char* text : {"-2", "1.5", "abc", "10s", "99999999999"})
    EXPECT_TRUE(FailsNaming(parse_stop_timeout(text, "--stop-timeout"), "--stop-timeout", text));
}

// ---- ulimits ----------------------------------------------------------------------

TEST(ParseUlimit, SoftAndHard) {
  auto limit = parse_ulimit("nofile=1024:2048");
  ASSERT_TRUE(limit.ok()) << limit.error().what();
  EXPECT_EQ(limit->name, "nofile");
  EXPECT_EQ(limit->soft, 1024);
  EXPECT_EQ(limit->hard, 2048);
}

TEST(ParseUlimit, OneValueSetsSoftAndHard) {
  auto limit = parse_ulimit("nproc=512");
  ASSERT_TRUE(limit.ok()) << limit.error().what();
  EXPECT_EQ(limit->soft, 512);
  EXPECT_EQ(limit->hard, 512);
}

TEST(ParseUlimit, UnlimitedIsMinusOneOrInfinity) {
  EXPECT_EQ(parse_ulimit("core=-1")->soft, -1);
  EXPECT_EQ(parse_ulimit("stack=infinity")->hard, -1);
  auto soft_limited = parse_ulimit("nofile=1024:infinity");
  ASSERT_TRUE(soft_limited.ok()) << soft_limited.error().what();
  EXPECT_EQ(soft_limited->soft, 1024);
  EXPECT_EQ(soft_limited->hard, -1);
}

TEST(ParseUlimit, SoftAboveHardIsAnError) {
  for (const char* text : {"nofile=2048:1024", "nofile=-1:1024", "nofile=infinity:10"})
    EXPECT_TRUE(FailsNaming(parse_ulimit(text), "--ulimit", text));
}

TEST(ParseUlimit, UnknownNameIsAnErrorListingTheNames) {
  for (const char* text : {"as=1", "files=1", "NOFILE=1", "=1"}) {
    auto result = parse_ulimit(text);
    EXPECT_TRUE(FailsNaming(result, "--ulimit", text));
    if (!result.ok()) {
      EXPECT_NE(result.error().what().find("nofile, nproc"), std::string::npos) << result.error().what();
    }
  }
}

TEST(ParseUlimit, MalformedValuesAreErrors) {
  for (const char* text : {"nofile", "nofile=", "nofile=1k", "nofile=1:2:3", "nofile=-5", "nofile=1:", "nofile= 1"})
    EXPECT_TRUE(FailsNaming(parse_ulimit(text), "--ulimit", text));
}

TEST(RlimitType, IsTheUpperCaseSetrlimitName) {
  EXPECT_EQ(rlimit_type(Ulimit{"nofile", 1, 1}), "RLIMIT_NOFILE");
  EXPECT_EQ(rlimit_type(Ulimit{"sigpending", 1, 1}), "RLIMIT_SIGPENDING");
}

// ---- restart policy ---------------------------------------------------------------

TEST(ParseRestartPolicy, AcceptsDockersNames) {
  for (const char* name : {"no", "always", "unless-stopped", "on-failure"}) {
    auto policy = parse_restart_policy(name);
    ASSERT_TRUE(policy.ok()) << name << ": " << policy.error().what();
    EXPECT_EQ(policy->name, name);
    EXPECT_EQ(policy->max_retries, 0);
  }
  EXPECT_EQ(parse_restart_policy("")->name, "no");
}

TEST(ParseRestartPolicy, OnFailureTakesAMaximumRetryCount) {
  auto policy = parse_restart_policy("on-failure:5");
  ASSERT_TRUE(policy.ok()) << policy.error().what();
  EXPECT_EQ(policy->name, "on-failure");
  EXPECT_EQ(policy->max_retries, 5);
}

TEST(ParseRestartPolicy, RetryCountWithOtherPoliciesIsAnError) {
  for (const char* text : {"always:3", "no:1", "unless-stopped:2"})
    EXPECT_TRUE(FailsNaming(parse_restart_policy(text), "--restart", text));
}

TEST(ParseRestartPolicy, BadPolicyOrCountIsAnError) {
  for (const char* text : {"sometimes", "Always", ":3", "on-failure:-1", "on-failure:x", "on-failure:1:2", "on-failure:99999999999"})
    EXPECT_TRUE(FailsNaming(parse_restart_policy(text), "--restart", text));
}

// ---- durations --------------------------------------------------------------------

TEST(ParseDurationFlag, GoDurationsBecomeNanoseconds) {
  const std::pair<const char*, int64_t> cases[] = {
      {"30s", 30'000'000'000}, {"1m30s", 90'000'000'000}, {"500ms", 500'000'000}, {"1h", 3'600'000'000'000}, {"0s", 0}, {"0", 0}};
  for (const auto& [text, nanos] : cases) {
    auto result = parse_duration_flag(text, "--health-interval");
    ASSERT_TRUE(result.ok()) << text << ": " << result.error().what();
    EXPECT_EQ(*result, nanos) << text;
  }
}

TEST(ParseDurationFlag, NegativeOrMalformedIsAnError) {
  for (const char* text : {"-5s", "5", "abc", "", "1x"})
    EXPECT_TRUE(FailsNaming(parse_duration_flag(text, "--health-interval"), "--health-interval", text));
}

// ---- environment ------------------------------------------------------------------

/// A temporary env file, removed with its directory at the end of the test.
class EnvFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flag_values_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/app.env";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }

  std::string dir_, path_;
};

TEST_F(EnvFile, ValuesPassThroughVerbatim) {
  write("A=\"quoted\"\nB=  spaced  \nC=a=b\n   D=lead\nE=\n");
  auto env = parse_env_file(path_);
  ASSERT_TRUE(env.ok()) << env.error().what();
  EXPECT_EQ(*env, (std::vector<std::string>{"A=\"quoted\"", "B=  spaced  ", "C=a=b", "D=lead", "E="}));
}

TEST_F(EnvFile, CommentsAndBlankLinesAreSkipped) {
  write("# a comment\n\n   \n  # indented comment\nA=1\n#B=2\nC=3");
  auto env = parse_env_file(path_);
  ASSERT_TRUE(env.ok()) << env.error().what();
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "C=3"}));
}

TEST_F(EnvFile, BareNameTakesThisProcessValueOrIsDropped) {
  ::setenv("MINIRUN_FLAG_TEST_SET", "from shell", 1);
  ::unsetenv("MINIRUN_FLAG_TEST_UNSET");
  write("MINIRUN_FLAG_TEST_SET\nMINIRUN_FLAG_TEST_UNSET\nX=1\n");
  auto env = parse_env_file(path_);
  ::unsetenv("MINIRUN_FLAG_TEST_SET");
  ASSERT_TRUE(env.ok()) << env.error().what();
  EXPECT_EQ(*env, (std::vector<std::string>{"MINIRUN_FLAG_TEST_SET=from shell", "X=1"}));
}

TEST_F(EnvFile, ByteOrderMarkAndCrLfAreAccepted) {
  write("\xEF\xBB\xBF" "A=1\r\nB=2\r\n");
  auto env = parse_env_file(path_);
  ASSERT_TRUE(env.ok()) << env.error().what();
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "B=2"}));
}

TEST_F(EnvFile, BadNameIsAnErrorNamingFileAndLine) {
  for (const char* line : {"A B=1", "=x", "A\tB", "NAME "}) {
    write("# header\nOK=1\n" + std::string(line) + "\n");
    auto env = parse_env_file(path_);
    ASSERT_FALSE(env.ok()) << line;
    EXPECT_NE(env.error().what().find("--env-file " + path_ + ":3: "), std::string::npos) << env.error().what();
  }
}

TEST_F(EnvFile, InvalidUtf8IsAnErrorNamingTheLine) {
  write("A=caf\xC3\xA9\nB=\xC3\x28\n");
  auto env = parse_env_file(path_);
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().what().find(path_ + ":2: "), std::string::npos) << env.error().what();
}

TEST_F(EnvFile, MissingFileIsAnErrorNamingIt) {
  auto env = parse_env_file(dir_ + "/missing.env");
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().what().find("missing.env"), std::string::npos) << env.error().what();
  EXPECT_NE(env.error().what().find("--env-file"), std::string::npos) << env.error().what();
}

TEST(ParseEnvFlag, NameValuePassesThrough) {
  EXPECT_EQ(*parse_env_flag("A=1"), "A=1");
  EXPECT_EQ(*parse_env_flag("A="), "A=");
  EXPECT_EQ(*parse_env_flag("A=b=c"), "A=b=c");
}

TEST(ParseEnvFlag, BareNameTakesThisProcessValueOrIsDropped) {
  ::setenv("MINIRUN_FLAG_TEST_E", "v", 1);
  EXPECT_EQ(*parse_env_flag("MINIRUN_FLAG_TEST_E"), "MINIRUN_FLAG_TEST_E=v");
  ::unsetenv("MINIRUN_FLAG_TEST_E");
  EXPECT_EQ(*parse_env_flag("MINIRUN_FLAG_TEST_E"), "");
}

TEST(ParseEnvFlag, EmptyNameIsAnError) {
  for (const char* text : {"=x", "", "="}) EXPECT_TRUE(FailsNaming(parse_env_flag(text), "--env", text));
}

TEST(ParseLabel, KeyValueOrKeyAlone) {
  EXPECT_EQ(*parse_label("team=web", "--label"), std::make_pair(std::string("team"), std::string("web")));
  EXPECT_EQ(*parse_label("a=b=c", "--label"), std::make_pair(std::string("a"), std::string("b=c")));
  EXPECT_EQ(*parse_label("flag", "--label"), std::make_pair(std::string("flag"), std::string()));
}

TEST(ParseLabel, BlankKeyIsAnError) {
  for (const char* text : {"=v", " =v", "", "\t"}) EXPECT_TRUE(FailsNaming(parse_label(text, "--label"), "--label", text));
}

// ---- security options -------------------------------------------------------------

TEST(ApplySecurityOpt, SeccompTakesAProfilePathOrUnconfined) {
  SecurityOpts opts;
  ASSERT_TRUE(apply_security_opt("seccomp=/etc/profile.json", opts).ok());
  EXPECT_EQ(opts.seccomp, "/etc/profile.json");
  ASSERT_TRUE(apply_security_opt("seccomp:unconfined", opts).ok());  // the old colon form
  EXPECT_EQ(opts.seccomp, "unconfined");
  ASSERT_TRUE(apply_security_opt("seccomp=builtin", opts).ok());
  EXPECT_EQ(opts.seccomp, "");
}

TEST(ApplySecurityOpt, NoNewPrivilegesSpellings) {
  const std::pair<const char*, bool> cases[] = {{"no-new-privileges", true},      {"no-new-privileges=false", false},
                                                {"no-new-privileges=true", true}, {"no-new-privileges:false", false},
                                                {"no-new-privileges:1", true},    {"no-new-privileges=FALSE", false}};
  for (const auto& [text, expected] : cases) {
    SecurityOpts opts;
    opts.no_new_privileges = !expected;
    ASSERT_TRUE(apply_security_opt(text, opts).ok()) << text;
    EXPECT_EQ(opts.no_new_privileges, expected) << text;
  }
  EXPECT_TRUE(SecurityOpts{}.no_new_privileges);  // the kit's default
}

TEST(ApplySecurityOpt, AppArmorAndSelinuxAreRefusedWithAReason) {
  SecurityOpts opts;
  auto apparmor = apply_security_opt("apparmor=unconfined", opts);
  ASSERT_FALSE(apparmor.ok());
  EXPECT_NE(apparmor.error().what().find("no AppArmor"), std::string::npos) << apparmor.error().what();
  auto label = apply_security_opt("label=disable", opts);
  ASSERT_FALSE(label.ok());
  EXPECT_NE(label.error().what().find("no SELinux"), std::string::npos) << label.error().what();
}

TEST(ApplySecurityOpt, UnknownOrIncompleteOptionIsAnErrorAndChangesNothing) {
  for (const char* text : {"seccomp", "seccomp=", "no-new-privileges=maybe", "systempaths=unconfined", ""}) {
    SecurityOpts opts;
    opts.seccomp = "kept";
    auto result = apply_security_opt(text, opts);
    EXPECT_FALSE(result.ok()) << text;
    if (!result.ok()) {
      EXPECT_NE(result.error().what().find("--security-opt"), std::string::npos) << result.error().what();
    }
    EXPECT_EQ(opts.seccomp, "kept");
    EXPECT_TRUE(opts.no_new_privileges);
  }
}

// ---- capabilities -----------------------------------------------------------------

TEST(NormalizeCapability, AnySpellingBecomesCapUpperCase) {
  for (const char* text : {"net_admin", "NET_ADMIN", "CAP_NET_ADMIN", "cap_net_admin", " Net_Admin "})
    EXPECT_EQ(*normalize_capability(text, "--cap-add"), "CAP_NET_ADMIN") << text;
  EXPECT_EQ(*normalize_capability("all", "--cap-add"), "ALL");
  EXPECT_EQ(*normalize_capability("ALL", "--cap-drop"), "ALL");
}

TEST(NormalizeCapability, UnknownNameIsAnError) {
  for (const char* text : {"NET_ADMINN", "CAP_", "", "cap_chown+ep", "12"})
    EXPECT_TRUE(FailsNaming(normalize_capability(text, "--cap-add"), "--cap-add", text));
}

const std::vector<std::string> kDefaults = {"CAP_CHOWN", "CAP_NET_RAW", "CAP_KILL"};

TEST(EffectiveCapabilities, NoFlagsKeepTheDefaults) {
  EXPECT_EQ(*effective_capabilities(kDefaults, {}, {}), kDefaults);
}

TEST(EffectiveCapabilities, DropsRemoveAndAddsAppendOnce) {
  auto caps = effective_capabilities(kDefaults, {"net_admin", "CAP_KILL", "NET_ADMIN"}, {"net_raw"});
  ASSERT_TRUE(caps.ok()) << caps.error().what();
  EXPECT_EQ(*caps, (std::vector<std::string>{"CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN"}));
}

TEST(EffectiveCapabilities, DropAllThenAddKeepsOnlyTheAdded) {
  auto caps = effective_capabilities(kDefaults, {"NET_BIND_SERVICE"}, {"ALL"});
  ASSERT_TRUE(caps.ok()) << caps.error().what();
  EXPECT_EQ(*caps, (std::vector<std::string>{"CAP_NET_BIND_SERVICE"}));
}

TEST(EffectiveCapabilities, AddWinsOverDropOfTheSameCapability) {
  auto caps = effective_capabilities(kDefaults, {"chown", "sys_time"}, {"CAP_CHOWN", "sys_time"});
  ASSERT_TRUE(caps.ok()) << caps.error().what();
  EXPECT_TRUE(has(*caps, "CAP_CHOWN"));
  EXPECT_TRUE(has(*caps, "CAP_SYS_TIME"));
}

TEST(EffectiveCapabilities, AddAllIsEveryKernelCapabilityMinusDrops) {
  auto caps = effective_capabilities(kDefaults, {"ALL"}, {"net_raw"});
  ASSERT_TRUE(caps.ok()) << caps.error().what();
  EXPECT_TRUE(has(*caps, "CAP_SYS_ADMIN"));
  EXPECT_TRUE(has(*caps, "CAP_CHOWN"));
  EXPECT_FALSE(has(*caps, "CAP_NET_RAW"));
  EXPECT_FALSE(has(*caps, "ALL"));
  EXPECT_EQ(static_cast<int>(caps->size()), runtime::last_capability());  // 0..last, minus one
}

TEST(EffectiveCapabilities, AddAllOutranksANamedAddOfADroppedCapability) {
  auto caps = effective_capabilities(kDefaults, {"ALL", "NET_RAW"}, {"NET_RAW"});
  ASSERT_TRUE(caps.ok()) << caps.error().what();
  EXPECT_FALSE(has(*caps, "CAP_NET_RAW"));
  EXPECT_TRUE(has(*caps, "CAP_SYS_ADMIN"));
}

TEST(EffectiveCapabilities, BadNameIsAnErrorNamingItsList) {
  auto add = effective_capabilities(kDefaults, {"bogus"}, {});
  EXPECT_TRUE(FailsNaming(add, "--cap-add", "bogus"));
  auto drop = effective_capabilities(kDefaults, {}, {"chown", "nope"});
  EXPECT_TRUE(FailsNaming(drop, "--cap-drop", "nope"));
}

}  // namespace
}  // namespace minirun::engine
