// `-v`, `--mount` and `--tmpfs` values to MountSpec. Every bad spec must be an error that
// names the flag and quotes the value.
#include "minirun/engine/mount_specs.hpp"

#include <gtest/gtest.h>

namespace minirun::engine {
namespace {

/// The spec was refused, and the message names the flag, quotes the spec and contains `why`.
::testing::AssertionResult FailsNaming(const Result<MountSpec>& result, std::string_view flag, std::string_view text,
                                       std::string_view why = "") {
  if (result.ok()) return ::testing::AssertionFailure() << "\"" << text << "\" was accepted";
  const std::string message = result.error().what();
  if (message.find(std::string(flag) + ": ") != 0 || message.find("\"" + std::string(text) + "\"") == std::string::npos ||
      message.find(why) == std::string::npos)
    return ::testing::AssertionFailure() << "message does not name " << flag << ", \"" << text << "\" and \"" << why
                                         << "\": " << message;
  return ::testing::AssertionSuccess();
}

// ---- -v / --volume ----------------------------------------------------------------

TEST(ParseVolumeFlag, AbsoluteSourceIsABindThatCreatesTheHostPath) {
  auto m = parse_volume_flag("/srv/data:/data");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->type, "bind");
  EXPECT_EQ(m->source, "/srv/data");
  EXPECT_EQ(m->target, "/data");
  EXPECT_FALSE(m->read_only);
  EXPECT_EQ(m->propagation, "rprivate");
  EXPECT_TRUE(m->bind_create_host_path);
}

TEST(ParseVolumeFlag, NameSourceIsANamedVolume) {
  auto m = parse_volume_flag("my-data_1.x:/var/lib/db");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->type, "volume");
  EXPECT_EQ(m->source, "my-data_1.x");
  EXPECT_EQ(m->target, "/var/lib/db");
  EXPECT_EQ(m->propagation, "");
  EXPECT_FALSE(m->bind_create_host_path);
}

TEST(ParseVolumeFlag, TargetAloneIsAnAnonymousVolume) {
  auto m = parse_volume_flag("/data");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->type, "volume");
  EXPECT_EQ(m->source, "");
  EXPECT_EQ(m->target, "/data");
}

TEST(ParseVolumeFlag, OptionsSetReadOnlyPropagationAndNocopy) {
  auto bind = parse_volume_flag("/a:/b:ro,rshared");
  ASSERT_TRUE(bind.ok()) << bind.error().what();
  EXPECT_TRUE(bind->read_only);
  EXPECT_EQ(bind->propagation, "rshared");
  EXPECT_FALSE(parse_volume_flag("/a:/b:rw")->read_only);
  EXPECT_TRUE(parse_volume_flag("/a:/b:z")->read_only == false);  // SELinux label: accepted, ignored
  auto volume = parse_volume_flag("cache:/c:nocopy,ro");
  ASSERT_TRUE(volume.ok()) << volume.error().what();
  EXPECT_TRUE(volume->volume_nocopy);
  EXPECT_TRUE(volume->read_only);
}

TEST(ParseVolumeFlag, PathsAreCleaned) {
  auto m = parse_volume_flag("/srv//data/:/data/./x/../y/");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->source, "/srv/data");
  EXPECT_EQ(m->target, "/data/y");
}

TEST(ParseVolumeFlag, RelativeSourceIsAnErrorAskingForAnAbsolutePath) {
  for (const char* text : {"./x:/data", "x/y:/data", "~/x:/data", "../x:/data", ".:/data"})
    EXPECT_TRUE(FailsNaming(parse_volume_flag(text), "--volume", text, "use an absolute path"));
}

TEST(ParseVolumeFlag, InvalidVolumeNameIsAnError) {
  for (const char* text : {"a:/data", "-x:/data", "my vol:/data", "_x:/data", "a$b:/data"})
    EXPECT_TRUE(FailsNaming(parse_volume_flag(text), "--volume", text, "not a valid volume name"));
}

TEST(ParseVolumeFlag, TargetMustBeAbsoluteAndNotRoot) {
  for (const char* text : {"/a:data", "data", "/a:/", "/a:/x/..", "v1://", "/a:"})
    EXPECT_TRUE(FailsNaming(parse_volume_flag(text), "--volume", text, "target"));
}

TEST(ParseVolumeFlag, BadOrMisplacedOptionsAreErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"/a:/b:rx", "unknown option \"rx\""},
      {"/a:/b:ro,rw", "repeat a kind"},
      {"/a:/b:shared,slave", "repeat a kind"},
      {"/a:/b:z,Z", "repeat a kind"},
      {"/a:/b:ro,", "unknown option \"\""},
      {"/a:/b:nocopy", "volumes only"},
      {"v1:/b:rshared", "bind mounts only"},
      {"/data:ro", "need a SOURCE"},
  };
  for (const auto& [text, why] : cases) EXPECT_TRUE(FailsNaming(parse_volume_flag(text), "--volume", text, why));
}

TEST(ParseVolumeFlag, MalformedSpecIsAnError) {
  for (const char* text : {"a:b:c:d", ":/data", ""})
    EXPECT_TRUE(FailsNaming(parse_volume_flag(text), "--volume", text));
}

// ---- --mount ----------------------------------------------------------------------

TEST(ParseMountFlag, BindRefusesToCreateAMissingHostPath) {
  auto m = parse_mount_flag("type=bind,source=/srv/a/,target=/b,readonly");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->type, "bind");
  EXPECT_EQ(m->source, "/srv/a");
  EXPECT_EQ(m->target, "/b");
  EXPECT_TRUE(m->read_only);
  EXPECT_EQ(m->propagation, "rprivate");
  EXPECT_FALSE(m->bind_create_host_path);
}

TEST(ParseMountFlag, KeysHaveDockersAliases) {
  for (const char* text : {"type=bind,src=/a,dst=/b,ro", "type=bind,source=/a,destination=/b,ro=true",
                           "type=BIND,src=/a,target=/b,readonly=1"}) {
    auto m = parse_mount_flag(text);
    ASSERT_TRUE(m.ok()) << text << ": " << m.error().what();
    EXPECT_EQ(m->source, "/a") << text;
    EXPECT_EQ(m->target, "/b") << text;
    EXPECT_TRUE(m->read_only) << text;
  }
  EXPECT_FALSE(parse_mount_flag("type=bind,src=/a,dst=/b,readonly=false")->read_only);
}

TEST(ParseMountFlag, TypeDefaultsToVolume) {
  auto named = parse_mount_flag("source=v1,target=/d");
  ASSERT_TRUE(named.ok()) << named.error().what();
  EXPECT_EQ(named->type, "volume");
  EXPECT_EQ(named->source, "v1");
  auto anonymous = parse_mount_flag("target=/d");
  ASSERT_TRUE(anonymous.ok()) << anonymous.error().what();
  EXPECT_EQ(anonymous->type, "volume");
  EXPECT_EQ(anonymous->source, "");
}

TEST(ParseMountFlag, TmpfsSizeAndModeAreTyped) {
  auto m = parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->type, "tmpfs");
  EXPECT_EQ(m->tmpfs_size, 64 * 1024 * 1024);
  EXPECT_EQ(m->tmpfs_mode, 01770u);
  EXPECT_TRUE(m->tmpfs_options.empty());
}

TEST(ParseMountFlag, VolumeNocopyAndBindPropagation) {
  EXPECT_TRUE(parse_mount_flag("type=volume,src=v1,dst=/d,volume-nocopy")->volume_nocopy);
  EXPECT_TRUE(parse_mount_flag("src=v1,dst=/d,volume-nocopy=true,volume-driver=local")->volume_nocopy);
  EXPECT_EQ(parse_mount_flag("type=bind,src=/a,dst=/b,bind-propagation=rslave")->propagation, "rslave");
}

TEST(ParseMountFlag, QuotedFieldsMayContainCommasAndQuotes) {
  auto m = parse_mount_flag("type=bind,\"source=/srv/a,b\",target=/d");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->source, "/srv/a,b");
  auto q = parse_mount_flag("type=bind,\"source=/x\"\"y\",target=/d");
  ASSERT_TRUE(q.ok()) << q.error().what();
  EXPECT_EQ(q->source, "/x\"y");
  for (const char* text : {"type=bind,\"source=/a,target=/b", "type=bind,source=/a\"b\",target=/c",
                           "type=bind,\"source=/a\"x,target=/b"})
    EXPECT_TRUE(FailsNaming(parse_mount_flag(text), "--mount", text, "'\"'"));
}

TEST(ParseMountFlag, UnknownKeyIsAnErrorNamingTheKey) {
  EXPECT_TRUE(FailsNaming(parse_mount_flag("type=bind,src=/a,dst=/b,readonlyy"), "--mount",
                          "type=bind,src=/a,dst=/b,readonlyy", "\"readonlyy\""));
  EXPECT_TRUE(FailsNaming(parse_mount_flag("type=bind,src=/a,dst=/b,color=red"), "--mount",
                          "type=bind,src=/a,dst=/b,color=red", "unknown key \"color\""));
  EXPECT_TRUE(FailsNaming(parse_mount_flag("src=v,dst=/b,volume-opt=o=x"), "--mount", "src=v,dst=/b,volume-opt=o=x",
                          "\"volume-opt\" is not supported"));
}

TEST(ParseMountFlag, OptionsOfAnotherTypeAreErrors) {
  for (const char* text : {"type=bind,src=/a,dst=/b,tmpfs-size=1m", "type=tmpfs,dst=/t,volume-nocopy",
                           "src=v1,dst=/t,bind-propagation=shared"})
    EXPECT_TRUE(FailsNaming(parse_mount_flag(text), "--mount", text, "cannot mix"));
}

TEST(ParseMountFlag, MissingOrBadFieldsAreErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"type=bind,src=/a", "target is required"},
      {"type=bind,dst=/b", "needs source="},
      {"type=bind,src=rel/a,dst=/b", "absolute host path"},
      {"type=tmpfs,src=/a,dst=/b", "no source"},
      {"type=npipe,src=/a,dst=/b", "unknown type \"npipe\""},
      {"type=bind,src=/a,dst=/b,readonly=maybe", "true or false"},
      {"type=bind,src=/a,dst=/b,bind-propagation=up", "rprivate"},
      {"type=tmpfs,dst=/t,tmpfs-mode=999", "octal"},
      {"type=tmpfs,dst=/t,tmpfs-size=12q", "tmpfs-size: invalid size \"12q\""},
      {"type=volume,src=/abs,dst=/b", "type=bind"},
      {"src=v1,dst=/b,volume-driver=nfs", "volume driver \"nfs\""},
      {"type=bind,src=/a,dst=relative", "absolute path inside the container"},
      {"type=bind,src=/a,dst=/", "cannot be \"/\""},
      {"", "empty"},
      {"type=bind,src=/a,dst=/b,", "unknown option \"\""},
  };
  for (const auto& [text, why] : cases) EXPECT_TRUE(FailsNaming(parse_mount_flag(text), "--mount", text, why));
}

// ---- --tmpfs ----------------------------------------------------------------------

TEST(ParseTmpfsFlag, TargetAloneHasNoOptions) {
  auto m = parse_tmpfs_flag("/run");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->type, "tmpfs");
  EXPECT_EQ(m->target, "/run");
  EXPECT_EQ(m->source, "");
  EXPECT_TRUE(m->tmpfs_options.empty());
}

TEST(ParseTmpfsFlag, OptionsAreKeptAsGiven) {
  auto m = parse_tmpfs_flag("/run:rw,noexec,nosuid,size=64m,mode=1777,uid=1000,size=50%");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(m->tmpfs_options,
            (std::vector<std::string>{"rw", "noexec", "nosuid", "size=64m", "mode=1777", "uid=1000", "size=50%"}));
  EXPECT_FALSE(m->read_only);
  EXPECT_EQ(m->tmpfs_size, 0);  // --tmpfs sizes stay in the options, in the kernel's syntax
}

TEST(ParseTmpfsFlag, LastOfRoAndRwDecidesReadOnly) {
  EXPECT_TRUE(parse_tmpfs_flag("/run:ro")->read_only);
  EXPECT_FALSE(parse_tmpfs_flag("/run:ro,rw")->read_only);
}

TEST(ParseTmpfsFlag, BadTargetOrOptionIsAnError) {
  const std::pair<const char*, const char*> cases[] = {
      {"run", "absolute path"},           {"/", "cannot be \"/\""},
      {"/run:bogus", "\"bogus\""},        {"/run:size=64mb", "size=64m"},
      {"/run:mode=999", "octal"},         {"/run:uid=abc", "numeric id"},
      {"/run:rw,,noexec", "option \"\""}, {"/run:nr_inodes=5%", "whole number"},
      {":rw", "target path is missing"},
  };
  for (const auto& [text, why] : cases) EXPECT_TRUE(FailsNaming(parse_tmpfs_flag(text), "--tmpfs", text, why));
}

TEST(IsValidVolumeName, FollowsDockersPattern) {
  for (const char* name : {"ab", "my-data", "v1.2_x", "0a"}) EXPECT_TRUE(is_valid_volume_name(name)) << name;
  for (const char* name : {"a", "", "-ab", ".ab", "a b", "a/b", "a:b"}) EXPECT_FALSE(is_valid_volume_name(name)) << name;
}

}  // namespace
}  // namespace minirun::engine
