// imagebuilder build, end to end: the real program, a real store, RUN steps in real
// containers. Each test has its own store and runtime state under a scratch directory,
// and checks that nothing is left mounted or running afterwards.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/time.h>

#include <fstream>

#include "tests/support/test_env.hpp"

#ifndef IMAGEBUILDER_BINARY
#define IMAGEBUILDER_BINARY "imagebuilder"
#endif

namespace {

using minirun::testing::CommandResult;
using minirun::testing::run_command;
using minirun::testing::ScratchDir;

// The build prints each instruction before running it, so a marker a RUN step echoes
// is written with quotes inside (`echo a-"b"`): the output then holds `a-b` only if the
// command really ran and printed it.
class BuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MINIRUN_REQUIRE_ROOT();
    context_ = dir_.path() + "/context";
    ASSERT_EQ(::mkdir(context_.c_str(), 0755), 0);
  }
  void TearDown() override {
    if (dir_.path().empty() || !minirun::testing::running_as_root()) return;
    // Nothing of a build may stay mounted, whatever the test did.
    std::ifstream mounts("/proc/self/mounts");
    std::string line, leftovers;
    while (std::getline(mounts, line)) {
      if (line.find(dir_.path()) != std::string::npos) leftovers += line + "\n";
    }
    EXPECT_EQ(leftovers, "") << "mounts left behind";
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(context_ + "/" + name) << text;
  }
  CommandResult ib(std::vector<std::string> args) {
    std::vector<std::string> argv{IMAGEBUILDER_BINARY, "--root", dir_.path() + "/store", "--state-root",
                                  dir_.path() + "/state"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, 120);
  }
  CommandResult build(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"build"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(context_);
    return ib(args);
  }
  /// `run` the image's file through a RUN step of a throwaway build.
  std::string image_id(const std::string& name) {
    auto r = ib({"inspect", name});
    if (r.exit_code != 0) return "";
    return nlohmann::json::parse(r.out)[0]["Id"];
  }
  static int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
  }
  /// No container state and no staging directory left (the runtime's `.cache` of
  /// compiled seccomp filters is meant to stay).
  bool state_is_empty() {
    auto r = run_command({"sh", "-c", "find " + dir_.path() + "/state " + dir_.path() +
                                          "/store/tmp -mindepth 1 -maxdepth 1 ! -name .cache 2>/dev/null"});
    return r.out.empty();
  }

  ScratchDir dir_;
  std::string context_;
};

TEST_F(BuildTest, ROOT_BuildsTagsAndRebuildsFromCacheToTheSameImage) {
  write("app.txt", "v1\n");
  write("Dockerfile",
        "FROM busybox\nENV GREETING=hello\nWORKDIR /app\nCOPY app.txt .\nRUN cat app.txt > copy.txt\nCMD [\"cat\", \"copy.txt\"]\n");
  auto first = build({"-t", "app:1"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("Step 6/6 : CMD"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("Successfully tagged app:1"), std::string::npos);
  std::string id = image_id("app:1");
  ASSERT_FALSE(id.empty());

  auto second = build({"-t", "app:1"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(count(second.out, "Using cache"), 5) << second.out;
  EXPECT_EQ(image_id("app:1"), id) << "a fully cached build gives the same image id";
  EXPECT_TRUE(state_is_empty());
}

TEST_F(BuildTest, ROOT_TouchingASourceKeepsTheCacheButEditingItDoesNot) {
  write("app.txt", "v1\n");
  write("Dockerfile", "FROM busybox\nCOPY app.txt /app.txt\nRUN wc -c /app.txt\n");
  ASSERT_EQ(build().exit_code, 0);
  ASSERT_EQ(::utimes((context_ + "/app.txt").c_str(), nullptr), 0);
  EXPECT_EQ(count(build().out, "Using cache"), 2);
  write("app.txt", "v2 changed\n");
  auto r = build({"--explain-cache"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(r.out, "Using cache"), 0) << r.out;
  EXPECT_NE(r.out.find("Cache miss: source `app.txt` changed"), std::string::npos) << r.out;
}

TEST_F(BuildTest, ROOT_BuildArgReachesRunAndChangesItsKey) {
  write("Dockerfile", "FROM busybox\nARG VERSION=1\nRUN echo \"version=$VERSION\"\n");
  auto one = build();
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("version=1"), std::string::npos) << one.out;
  auto two = build({"--build-arg", "VERSION=2", "--explain-cache"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.out.find("version=2"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("`ARG VERSION` changed: `1` -> `2`"), std::string::npos) << two.out;
}

TEST_F(BuildTest, ROOT_RunStepCannotSeeHostProcessesNetworkOrHostname) {
  write("Dockerfile",
        "FROM busybox\n"
        "RUN ls -d /proc/[0-9]* && test \"$(ls -d /proc/[0-9]* | wc -l)\" -le 4 && echo pids-\"isolated\"\n"
        "RUN test \"$(hostname)\" = imagebuilder && echo uts-\"isolated\"\n"
        "RUN test \"$(ls /sys/class/net)\" = lo && echo net-\"isolated\"\n"
        "RUN if echo 1 > /proc/sys/kernel/panic 2>/dev/null; then echo WROTE-\"PROC-SYS\"; fi\n"
        "RUN if mount -t tmpfs none /mnt 2>/dev/null; then echo MOUNT\"ED\"; fi\n");
  auto r = build();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* ok : {"pids-isolated", "uts-isolated", "net-isolated"}) {
    EXPECT_NE(r.out.find(ok), std::string::npos) << ok << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("WROTE-PROC-SYS"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("MOUNTED"), std::string::npos) << "CAP_SYS_ADMIN must be dropped\n" << r.out;
}

TEST_F(BuildTest, ROOT_FailingRunStopsTheBuildAndLeavesNothingBehind) {
  write("Dockerfile", "FROM busybox\nRUN touch /made-it\nRUN exit 3\n");
  auto r = build({"-t", "broken:1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Dockerfile:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("returned a non-zero code: 3"), std::string::npos) << r.err;
  EXPECT_EQ(ib({"inspect", "broken:1"}).exit_code, 1) << "no image may be tagged";
  EXPECT_TRUE(state_is_empty()) << "no runtime state or staging directory may remain";
}

TEST_F(BuildTest, ROOT_DeletedFileIsAWhiteoutInTheLayer) {
  write("Dockerfile", "FROM busybox\nRUN rm /bin/vi\n");
  ASSERT_EQ(build({"-t", "nvi:1"}).exit_code, 0);
  auto history = ib({"history", "--format", "json", "nvi:1"});
  ASSERT_EQ(history.exit_code, 0);
  std::string layer = nlohmann::json::parse(history.out)[0]["Layer"];
  ASSERT_EQ(layer.rfind("sha256:", 0), 0u);
  auto listing = run_command({"tar", "tf", dir_.path() + "/store/blobs/sha256/" + layer.substr(7)});
  EXPECT_NE(listing.out.find("bin/.wh.vi"), std::string::npos) << listing.out;
}

TEST_F(BuildTest, ROOT_MultiStageCopiesOnlyWhatItAsksFor) {
  write("Dockerfile",
        "FROM busybox AS builder\nRUN mkdir /out && echo built > /out/artifact && echo junk > /junk\n"
        "FROM scratch\nCOPY --from=builder /out/artifact /artifact\n"
        "FROM busybox AS checker\nCOPY --from=1 /artifact /got\nRUN cat /got && test ! -e /junk && echo no-\"junk\"\n");
  auto r = build();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\nbuilt\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no-junk"), std::string::npos) << r.out;
  auto only_second = build({"--target", "1", "-t", "artifact:1"});
  ASSERT_EQ(only_second.exit_code, 0) << only_second.err;
  EXPECT_NE(only_second.out.find("Step 4/4"), std::string::npos) << "stage 2 is not needed\n" << only_second.out;
  auto inspect = nlohmann::json::parse(ib({"inspect", "artifact:1"}).out);
  EXPECT_EQ(inspect[0]["RootFS"]["Layers"].size(), 1u) << "FROM scratch + one COPY is one layer";
}

TEST_F(BuildTest, ROOT_UserAndOnbuildApply) {
  write("Dockerfile", "FROM busybox\nONBUILD RUN echo trigger-\"ran\"\nUSER nobody\n");
  ASSERT_EQ(build({"-t", "base:1"}).exit_code, 0);
  write("Dockerfile", "FROM base:1\nRUN echo \"uid\"=$(id -u)\n");
  auto r = build();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("trigger-ran"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("uid=65534"), std::string::npos) << r.out;
}

TEST_F(BuildTest, ROOT_IdenticalLayersStackAndDeletionsStayDeleted) {
  // Two steps that change nothing give the same (empty) layer twice; a file added,
  // deleted and added again gives the same layer twice with a whiteout between.
  write("Dockerfile",
        "FROM busybox\nRUN true\nRUN true\n"
        "RUN echo x > /f\nRUN rm /f\nRUN echo x > /f\nRUN rm /f\nRUN test ! -e /f && echo f-is-\"gone\"\n");
  auto r = build();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("f-is-gone"), std::string::npos) << r.out;
}

TEST_F(BuildTest, ROOT_BadInputNamesTheProblem) {
  write("Dockerfile", "FROM busybox\nFOO bar\n");
  auto unknown = build();
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("Dockerfile:2"), std::string::npos) << unknown.err;

  write("Dockerfile", "FROM no-such-image:7\n");
  auto missing = build();
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no-such-image"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("pulls nothing"), std::string::npos) << missing.err;

  write("Dockerfile", "FROM busybox\nCOPY nothere.txt /\n");
  auto no_source = build();
  EXPECT_NE(no_source.exit_code, 0);
  EXPECT_NE(no_source.err.find("nothere.txt"), std::string::npos) << no_source.err;

  write("Dockerfile", "FROM busybox\nCOPY ../../etc/passwd /\n");
  auto climbing = build();
  EXPECT_NE(climbing.exit_code, 0) << "a COPY source may not leave the context";
  EXPECT_TRUE(state_is_empty());

  auto no_dockerfile = ib({"build", "-f", context_ + "/missing.Dockerfile", context_});
  EXPECT_NE(no_dockerfile.exit_code, 0);
  EXPECT_NE(no_dockerfile.err.find("missing.Dockerfile"), std::string::npos) << no_dockerfile.err;
}

}  // namespace
