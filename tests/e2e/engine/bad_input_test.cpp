/**
 * @file bad_input_test.cpp
 * @brief `minirun run` refuses bad input the way Docker does, and leaves nothing
 * behind: no container, no claimed name, no mount, no directory.
 *
 * Docker's exit codes: 125 when the engine itself refuses (a bad flag, an unknown
 * image), 126 when the command cannot be invoked, 127 when it cannot be found; any
 * other code is the container's own. A refusal must also say *what* was wrong: the
 * flag, the value or the file, so the user can fix it without reading the source.
 *
 * Each refusal is checked twice: on the command's output (exit code, message), and on
 * the host afterwards (`ps -a` empty, containers/ and names/ empty, no mount under
 * the data root). Most values are refused before anything is created; some only
 * once the container is being made (a seccomp file, a bind source), and those are the
 * ones most likely to leave half a container behind; each run uses `--name` so that a
 * name left claimed would show.
 *
 * Reference: docker run's exit status section; flag syntax in the docker run
 * reference. Lab: labs/01-image-and-container.
 */
#include "tests/e2e/engine/engine_fixture.hpp"

namespace minirun::testing {
namespace {

class EngineBadInput : public EngineFixture {
 protected:
  /// `run --name refused ARGS...` must exit 125, name every word of `must_name` on
  /// stderr, and leave no trace.
  void expect_refused(const std::vector<std::string>& args, const std::vector<std::string>& must_name) {
    std::vector<std::string> argv{"run", "--name", "refused"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = mr_argv(argv);
    EXPECT_EQ(r.exit_code, 125) << r.err;
    for (const auto& word : must_name) EXPECT_TRUE(contains(r.err, word)) << "names " << word << ": " << r.err;
    expect_no_trace();
  }

  void expect_no_trace() {
    EXPECT_EQ(mr("ps", "-a", "-q").out, "");
    EXPECT_TRUE(directory_entries(data_root() + "/containers").empty());
    EXPECT_TRUE(directory_entries(data_root() + "/names").empty()) << "the name is free again";
    for (const auto& line : lines_of(slurp("/proc/self/mountinfo")))
      EXPECT_FALSE(contains(line, data_root())) << line;
  }
};

TEST_F(EngineBadInput, ROOT_UnknownImageIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"no-such-image", "true"}, {"no-such-image"});
}

TEST_F(EngineBadInput, ROOT_BadMemorySizeIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"-m", "12q", "busybox", "true"}, {"--memory", "12q"});
}

TEST_F(EngineBadInput, ROOT_NegativeCpusIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--cpus", "-1", "busybox", "true"}, {"--cpus", "-1"});
}

TEST_F(EngineBadInput, ROOT_UnknownRestartPolicyIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--restart", "sometimes", "busybox", "true"}, {"--restart", "sometimes"});
}

TEST_F(EngineBadInput, ROOT_UlimitWithSoftAboveHardIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--ulimit", "nofile=10:5", "busybox", "true"}, {"--ulimit", "nofile=10:5"});
}

TEST_F(EngineBadInput, ROOT_VolumeWithARelativePathIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  // A bare word is a volume name ("data:/x"); a relative *path* is neither.
  expect_refused({"-v", "rel/dir:/x", "busybox", "true"}, {"--volume", "rel/dir"});
  expect_refused({"-v", "data:relative", "busybox", "true"}, {"--volume", "relative"});
}

TEST_F(EngineBadInput, ROOT_MissingBindSourceIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--mount", "type=bind,source=/does/not/exist,target=/x", "busybox", "true"},
                 {"--mount", "/does/not/exist"});
}

TEST_F(EngineBadInput, ROOT_MissingSeccompProfileIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--security-opt", "seccomp=/no/such/file.json", "busybox", "true"},
                 {"seccomp", "/no/such/file.json"});
}

TEST_F(EngineBadInput, ROOT_SeccompProfileThatIsNotJsonIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  std::string profile = host_dir() + "/broken.json";
  std::ofstream(profile) << "{\"defaultAction\": ";
  expect_refused({"--security-opt", "seccomp=" + profile, "busybox", "true"}, {"seccomp", profile, "JSON"});
}

TEST_F(EngineBadInput, ROOT_UnknownCapabilityIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--cap-add", "NOT_A_CAP", "busybox", "true"}, {"--cap-add", "NOT_A_CAP"});
}

TEST_F(EngineBadInput, ROOT_RmWithARestartPolicyIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused({"--rm", "--restart", "always", "busybox", "true"}, {"--rm", "--restart"});
}

TEST_F(EngineBadInput, ROOT_RmOfARunningContainerNeedsForce) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--name", "busy", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto r = mr("rm", "busy");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "busy")) << r.err;
  EXPECT_TRUE(contains(r.err, "-f")) << "says what to do: " << r.err;
  EXPECT_EQ(status_of("busy"), "running");
}

TEST_F(EngineBadInput, ROOT_CommandMissingFromTheImageFailsAndRmLeavesNothing) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--rm", "--name", "refused", "busybox", "/nope");
  EXPECT_EQ(r.exit_code, 127) << "Docker's code for a command not found: " << r.err;
  EXPECT_TRUE(contains(r.err, "/nope")) << r.err;
  expect_no_trace();
}

TEST_F(EngineBadInput, ROOT_AFailedStartIsToldAndWrittenToMonitorLog) {
  MINIRUN_REQUIRE_ROOT();
  // The monitor makes monitor.log at the container's first start (not before: a file
  // made on the way to the start is time on it); a start that fails must be there too,
  // besides the client's message and the state.
  auto created = mr("create", "--name", "nocmd", "busybox", "/nope");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = created.out.substr(0, 64);
  auto started = mr("start", "nocmd");
  EXPECT_NE(started.exit_code, 0);
  EXPECT_TRUE(contains(started.err, "/nope")) << started.err;
  const std::string log = data_root() + "/containers/" + id + "/monitor.log";
  ASSERT_EQ(::access(log.c_str(), F_OK), 0) << log << " was not made";
  EXPECT_TRUE(contains(slurp(log), "/nope")) << slurp(log);
  EXPECT_EQ(mr("rm", "nocmd").exit_code, 0);
}

}  // namespace
}  // namespace minirun::testing
