// The imagebuilder program's other commands, end to end: import, -q, images, tag, rmi,
// save/load between two stores, parse, --help.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/test_env.hpp"

#ifndef IMAGEBUILDER_BINARY
#define IMAGEBUILDER_BINARY "imagebuilder"
#endif

namespace {

using minirun::testing::CommandResult;
using minirun::testing::run_command;
using minirun::testing::ScratchDir;

class CliTest : public ::testing::Test {
 protected:
  CommandResult ib(const std::string& store, std::vector<std::string> args) {
    std::vector<std::string> argv{IMAGEBUILDER_BINARY, "--root", dir_.path() + "/" + store, "--state-root",
                                  dir_.path() + "/state"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, 120);
  }
  std::string image_ids(const std::string& store) {
    auto r = ib(store, {"images", "-q", "--no-trunc"});
    return r.out;
  }
  ScratchDir dir_;
};

TEST_F(CliTest, EveryCommandHasHelp) {
  for (const char* command : {"build", "images", "inspect", "history", "tag", "rmi", "prune", "save", "load",
                              "import", "parse"}) {
    auto r = ib("store", {command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << command << "\n" << r.out;
  }
}

TEST_F(CliTest, ParsePrintsBuildKitsTree) {
  std::ofstream(dir_.path() + "/Dockerfile") << "FROM busybox\nRUN [\"echo\", \"hi\"]\nENV A=1 B=\"two words\"\n";
  auto r = ib("store", {"parse", dir_.path() + "/Dockerfile"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "(from \"busybox\")\n(run \"echo\" \"hi\")\n(env \"A\" \"1\" \"=\" \"B\" \"\\\"two words\\\"\" \"=\")\n");
}

TEST_F(CliTest, ROOT_ImportedRootfsIsABaseForBuilds) {
  MINIRUN_REQUIRE_ROOT();
  std::string rootfs = minirun::testing::busybox_rootfs();
  ASSERT_FALSE(rootfs.empty());
  std::string tarball = dir_.path() + "/rootfs.tar.gz";
  ASSERT_EQ(run_command({"tar", "-C", rootfs, "-czf", tarball, "."}).exit_code, 0);
  auto imported = ib("store", {"import", "--cmd", "sh", tarball, "mybase:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out.rfind("sha256:", 0), 0u) << imported.out;

  std::string context = dir_.path() + "/context";
  ASSERT_EQ(::mkdir(context.c_str(), 0755), 0);
  std::ofstream(context + "/Dockerfile") << "FROM mybase:1\nRUN echo built-on-\"import\" > /proof\n";
  auto quiet = ib("store", {"build", "-q", "-t", "onimport:1", context});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out.find("Step"), std::string::npos) << "-q prints only the id\n" << quiet.out;
  EXPECT_EQ(quiet.out.rfind("sha256:", 0), 0u) << quiet.out;
  EXPECT_EQ(quiet.out.size(), 7u + 64u + 1u) << quiet.out;
}

TEST_F(CliTest, ROOT_HostileImportIsRefusedAndLeavesNoImage) {
  MINIRUN_REQUIRE_ROOT();
  std::string tarball = dir_.path() + "/evil.tar";
  // A tar whose entry climbs out of the layer.
  ASSERT_EQ(run_command({"sh", "-c", "cd " + dir_.path() + " && mkdir -p a/b && echo x > victim && "
                                     "tar -C a/b -cPf " + tarball + " ../../victim"})
                .exit_code,
            0);
  auto r = ib("store", {"import", tarball, "evil:1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("climbs out"), std::string::npos) << r.err;
  EXPECT_EQ(image_ids("store"), "");
}

TEST_F(CliTest, ROOT_TagRmiSaveAndLoadBetweenStores) {
  MINIRUN_REQUIRE_ROOT();
  std::string context = dir_.path() + "/context";
  ASSERT_EQ(::mkdir(context.c_str(), 0755), 0);
  std::ofstream(context + "/Dockerfile") << "FROM busybox\nRUN echo data > /data\nLABEL purpose=test\n";
  ASSERT_EQ(ib("a", {"build", "-t", "app:1", context}).exit_code, 0);
  ASSERT_EQ(ib("a", {"tag", "app:1", "app:latest"}).exit_code, 0);
  auto listing = nlohmann::json::parse(ib("a", {"images", "--format", "json"}).out);
  int app_rows = 0;
  for (const auto& row : listing) app_rows += row["Repository"] == "app";
  EXPECT_EQ(app_rows, 2);

  for (const char* format : {"docker", "oci"}) {
    std::string tarball = dir_.path() + "/app-" + format + ".tar";
    auto saved = ib("a", {"save", "--format", format, "-o", tarball, "app:1"});
    ASSERT_EQ(saved.exit_code, 0) << saved.err;
    std::string store = std::string("b-") + format;
    auto loaded = ib(store, {"load", "-i", tarball});
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    EXPECT_NE(loaded.out.find("Loaded image: app:1"), std::string::npos) << loaded.out;
    auto a = nlohmann::json::parse(ib("a", {"inspect", "app:1"}).out);
    auto b = nlohmann::json::parse(ib(store, {"inspect", "app:1"}).out);
    EXPECT_EQ(a[0]["Id"], b[0]["Id"]) << format << ": the image id survives save and load";
  }

  auto untag = ib("a", {"rmi", "app:latest"});
  ASSERT_EQ(untag.exit_code, 0) << untag.err;
  EXPECT_NE(untag.out.find("Untagged: app:latest"), std::string::npos) << untag.out;
  EXPECT_EQ(untag.out.find("Deleted"), std::string::npos) << "app:1 still names the image";
  auto remove = ib("a", {"rmi", "app:1"});
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_NE(remove.out.find("Deleted: sha256:"), std::string::npos) << remove.out;
  EXPECT_NE(ib("a", {"inspect", "app:1"}).exit_code, 0);
  auto missing = ib("a", {"rmi", "app:1"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("app:1"), std::string::npos) << missing.err;
}

}  // namespace
