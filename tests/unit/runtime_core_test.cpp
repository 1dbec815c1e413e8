/**
 * @file runtime_core_test.cpp
 * @brief Unit tests (no root) for the runtime's pure parts: errors, ids, state files,
 * the step table, PATH lookup, id maps, signal names, the sync socket.
 */
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include "minirun/runtime/container.hpp"
#include "minirun/runtime/explain.hpp"
#include "minirun/runtime/namespaces.hpp"
#include "minirun/runtime/setup_steps.hpp"
#include "minirun/runtime/state.hpp"
#include "minirun/runtime/sync_socket.hpp"
#include "minirun/sys/error.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/stamps.hpp"

namespace minirun::runtime {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/minirun-unit-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { (void)sys::remove_tree(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Error, ContextIsPrependedAndErrnoTextAppended) {
  sys::Error e = sys::Error::from_errno("mount proc on", "/x/proc", EACCES);
  e.context("create `web`");
  EXPECT_EQ(e.what(), "create `web`: mount proc on `/x/proc`: Permission denied");
  EXPECT_EQ(e.code(), EACCES);
}

TEST(Error, TryMacroPropagatesWithContext) {
  auto inner = []() -> sys::Result<void> { return sys::Error("inner failed"); };
  auto outer = [&]() -> sys::Result<void> {
    MINIRUN_TRY(inner(), "outer");
    return sys::ok();
  };
  auto r = outer();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "outer: inner failed");
}

TEST(ContainerId, PathLikeIdsAreRejected) {
  for (const char* bad : {"", ".", "..", "../x", "a/b", "a b", "x\n"}) {
    EXPECT_FALSE(validate_container_id(bad)) << "accepted `" << bad << "`";
  }
  EXPECT_TRUE(validate_container_id("web-1_a.b+c"));
  EXPECT_FALSE(validate_container_id(std::string(1025, 'a')));
}

TEST(StateStore, ReservingAnIdTwiceFailsWithAlreadyExists) {
  TempDir dir;
  StateStore store(dir.path() + "/state");
  ASSERT_TRUE(store.reserve("c1"));
  auto again = store.reserve("c1");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().what().find("already exists"), std::string::npos);
}

TEST(StateStore, SavedStateLoadsBackUnchanged) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerState s;
  s.oci_version = "1.0.2";
  s.id = "c2";
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.pid = 42;
  s.start_time = 12345;
  s.created = sys::now_rfc3339();
  s.cgroup_paths = {"/sys/fs/cgroup/memory/minirun/c2"};
  s.annotations = {{"k", "v"}};
  s.has_poststop_hooks = true;
  ASSERT_TRUE(store.reserve("c2"));
  ASSERT_TRUE(store.save(s));
  auto back = store.load("c2");
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->to_json(), s.to_json());
  EXPECT_EQ(store.ids(), std::vector<std::string>{"c2"});
}

TEST(StateStore, UnknownContainerSaysItDoesNotExist) {
  TempDir dir;
  StateStore store(dir.path());
  auto r = store.load("nope");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("does not exist"), std::string::npos);
}

TEST(StateStore, RetiringNeverReplacesAnEarlierRetiredDirectory) {
  TempDir dir;
  StateStore store(dir.path());
  // The same id twice in a row: the first retired directory may still be being deleted
  // (empty by now, or not): the second gets a name of its own.
  ASSERT_TRUE(store.reserve("a").ok());
  auto first = store.retire("a");
  ASSERT_TRUE(first.ok()) << first.error().what();
  EXPECT_EQ(*first, dir.path() + "/.removed-a");
  ASSERT_TRUE(store.reserve("a").ok());
  ASSERT_TRUE(sys::write_file(store.dir("a") + "/state.json", "{}").ok());
  auto second = store.retire("a");
  ASSERT_TRUE(second.ok()) << second.error().what();
  EXPECT_EQ(*second, dir.path() + "/.removed-a.1");
  EXPECT_TRUE(sys::path_exists(*first));
  EXPECT_TRUE(sys::path_exists(*second + "/state.json"));
  EXPECT_FALSE(sys::path_exists(store.dir("a")));
  EXPECT_TRUE(store.ids().empty());  // neither is listed
}

TEST(StateStore, ADetachedRemovalDeletesTheTreeWithoutBeingWaitedFor) {
  TempDir dir;
  const std::string tree = dir.path() + "/.removed-x";
  ASSERT_TRUE(sys::make_directories(tree + "/sub", 0755).ok());
  ASSERT_TRUE(sys::write_file(tree + "/sub/state.json", "{}").ok());
  const pid_t child = remove_tree_detached(tree);
  ASSERT_GT(child, 0);
  // The caller goes on at once; the child deletes, then exits.
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // reaped: the test leaves no zombie
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(sys::path_exists(tree));
}

TEST(State, DeadPidIsNotAlive) {
  ContainerState s;
  s.pid = ::getpid();
  s.start_time = 1;  // our real start time differs: a recycled pid must not count
  EXPECT_FALSE(init_alive(s));
  auto real = sys::process_start_time(::getpid());
  ASSERT_TRUE(real);
  s.start_time = *real;
  EXPECT_TRUE(init_alive(s));
}

TEST(StepTable, EveryStepHasANameAManPageAndAReason) {
  std::set<std::string> names;
  for (int i = 0; i < static_cast<int>(Step::count_); ++i) {
    const StepInfo& info = step_info(static_cast<Step>(i));
    EXPECT_STRNE(info.name, "");
    EXPECT_STRNE(info.man_page, "");
    EXPECT_STRNE(info.why, "");
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate step " << info.name;
  }
}

TEST(StepTable, SeccompComesAfterEveryMountAndBeforeExecve) {
  EXPECT_LT(static_cast<int>(Step::pivot_root), static_cast<int>(Step::seccomp));
  EXPECT_LT(static_cast<int>(Step::readonly_paths), static_cast<int>(Step::seccomp));
  EXPECT_LT(static_cast<int>(Step::no_new_privileges), static_cast<int>(Step::seccomp));
  EXPECT_EQ(static_cast<int>(Step::seccomp) + 1, static_cast<int>(Step::execve));
}

TEST(StepTable, SysctlsAreWrittenBeforeProcSysBecomesReadOnly) {
  EXPECT_LT(static_cast<int>(Step::sysctl), static_cast<int>(Step::readonly_paths));
}

TEST(Explainer, PrintsStepNumberNameAndTime) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Explainer e(true, fds[1]);
  e.begin();
  e.end(Step::pivot_root, "detail");
  ::close(fds[1]);
  char buf[1024] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  ASSERT_GT(n, 0);
  std::string line(buf);
  EXPECT_NE(line.find("pivot_root"), std::string::npos) << line;
  EXPECT_NE(line.find("pivot_root(2)"), std::string::npos) << line;
  EXPECT_NE(line.find(" us "), std::string::npos) << line;
  EXPECT_NE(line.find("(detail)"), std::string::npos) << line;
}

TEST(FindExecutable, SearchesThePathOfTheProcessEnv) {
  TempDir dir;
  std::string bin = dir.path() + "/bin";
  ASSERT_EQ(::mkdir(bin.c_str(), 0755), 0);
  ASSERT_TRUE(sys::write_file(bin + "/tool", "#!/bin/sh\n", O_WRONLY | O_CREAT, 0755));
  auto found = find_executable("tool", {"PATH=/nonexistent:" + bin});
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ(*found, bin + "/tool");
  auto missing = find_executable("no-such-tool", {"PATH=" + bin});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().what().find("not found in $PATH"), std::string::npos);
}

TEST(FindExecutable, NonExecutableFileIsNotFound) {
  TempDir dir;
  ASSERT_TRUE(sys::write_file(dir.path() + "/data", "x", O_WRONLY | O_CREAT, 0644));
  EXPECT_FALSE(find_executable("data", {"PATH=" + dir.path()}));
}

TEST(IdMappings, FormattedOneRangePerLine) {
  EXPECT_EQ(format_id_mappings({{0, 100000, 65536}, {65536, 1000, 1}}), "0 100000 65536\n65536 1000 1\n");
}

TEST(Signals, NamesWithAndWithoutSigPrefixAndNumbers) {
  EXPECT_EQ(*parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(*parse_signal("SIGKILL"), SIGKILL);
  EXPECT_EQ(*parse_signal("9"), 9);
  auto bad = parse_signal("TERMINATE");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what().find("TERMINATE"), std::string::npos);
  EXPECT_FALSE(parse_signal("0"));
  EXPECT_FALSE(parse_signal("999"));
}

TEST(SyncSocket, MessagesKeepTheirBoundariesAndEofIsAnError) {
  auto pair = make_sync_socket();
  ASSERT_TRUE(pair);
  ASSERT_TRUE(send_sync(pair->first.get(), SyncMessage::error, "mount failed"));
  ASSERT_TRUE(send_sync(pair->first.get(), SyncMessage::ready));
  auto a = receive_sync(pair->second.get());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first, SyncMessage::error);
  EXPECT_EQ(a->second, "mount failed");
  auto b = receive_sync(pair->second.get());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->first, SyncMessage::ready);
  EXPECT_TRUE(b->second.empty());
  pair->first.reset();
  EXPECT_FALSE(receive_sync(pair->second.get()));
}

TEST(Files, MakeDirectoriesMakesMissingParentsAndAcceptsWhatExists) {
  TempDir dir;
  const std::string deep = dir.path() + "/a/b/c";
  ASSERT_TRUE(sys::make_directories(deep, 0755).ok());
  struct stat st {};
  ASSERT_EQ(::stat(deep.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(sys::make_directories(deep, 0755).ok()) << "all there already: nothing to do";
  ASSERT_TRUE(sys::write_file(dir.path() + "/file", "x").ok());
  auto blocked = sys::make_directories(dir.path() + "/file/sub", 0755);
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.error().what().find(dir.path() + "/file/sub"), std::string::npos) << blocked.error().what();
}

TEST(Files, AtomicWriteReplacesWholeFile) {
  TempDir dir;
  std::string p = dir.path() + "/f";
  ASSERT_TRUE(sys::write_file_atomic(p, "first version, long"));
  ASSERT_TRUE(sys::write_file_atomic(p, "second"));
  EXPECT_EQ(*sys::read_file(p), "second");
  EXPECT_FALSE(sys::path_exists(p + ".tmp"));
}

TEST(Files, AtomicWriteOverADirectoryFailsAndMovesNothing) {
  // Swapping (RENAME_EXCHANGE) is only for a file in the way: a directory stays put
  // and the write fails, as rename(2) over a directory does.
  TempDir dir;
  std::string p = dir.path() + "/state.json";
  ASSERT_EQ(::mkdir(p.c_str(), 0755), 0);
  EXPECT_FALSE(sys::write_file_atomic(p, "x").ok());
  struct stat st {};
  ASSERT_EQ(::lstat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_FALSE(sys::path_exists(p + ".tmp"));
}

TEST(Files, AtomicWriteNeverShowsAReaderHalfAFile) {
  // The new file is swapped in whole (RENAME_EXCHANGE): a reader meanwhile gets the
  // old content or the new one, however the two interleave.
  TempDir dir;
  std::string p = dir.path() + "/state.json";
  const std::string a(3000, 'a'), b(100, 'b');
  ASSERT_TRUE(sys::write_file_atomic(p, a));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) (void)sys::write_file_atomic(p, i % 2 ? a : b);
    done = true;
  });
  int reads = 0, torn = 0;
  while (!done || reads < 100) {
    auto text = sys::read_file(p);
    ASSERT_TRUE(text.ok()) << text.error().what();  // never missing, not even for a moment
    torn += (*text != a && *text != b);
    ++reads;
  }
  writer.join();
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_EQ(*sys::read_file(p), a);  // the last write: i = 999
  EXPECT_FALSE(sys::path_exists(p + ".tmp"));
}

TEST(Files, SwappingWriteReusesOneSpareFile) {
  // The first write makes the file, the second the spare; from then on the two swap,
  // and the spare holds the content before the last write (no new file, no deletion).
  TempDir dir;
  const std::string p = dir.path() + "/state.json", spare = dir.path() + "/.state.json.spare";
  ASSERT_TRUE(sys::write_file_swapping(p, spare, "first version, long", 0600));
  EXPECT_FALSE(sys::path_exists(spare));
  ASSERT_TRUE(sys::write_file_swapping(p, spare, "second", 0600));
  EXPECT_EQ(*sys::read_file(p), "second");
  EXPECT_EQ(*sys::read_file(spare), "first version, long");
  struct stat before {};
  ASSERT_EQ(::lstat(spare.c_str(), &before), 0);
  ASSERT_TRUE(sys::write_file_swapping(p, spare, "third, and longer than second", 0600));
  EXPECT_EQ(*sys::read_file(p), "third, and longer than second") << "the spare was cut to the new length";
  EXPECT_EQ(*sys::read_file(spare), "second");
  struct stat after {};
  ASSERT_EQ(::lstat(p.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the old spare became the file";
  EXPECT_EQ(after.st_mode & 07777, 0600u);
}

TEST(Files, SameFileSeesARewriteByRename) {
  // What the --rm monitor checks before trusting the config it read at its start.
  TempDir dir;
  const std::string p = dir.path() + "/config.json";
  ASSERT_TRUE(sys::write_file_atomic(p, "{}"));
  struct stat before {};
  ASSERT_EQ(::stat(p.c_str(), &before), 0);
  EXPECT_TRUE(sys::same_file(p, before));
  ASSERT_TRUE(sys::write_file_atomic(p, "{}"));  // same content, a new file
  EXPECT_FALSE(sys::same_file(p, before));
  ASSERT_EQ(::unlink(p.c_str()), 0);
  EXPECT_FALSE(sys::same_file(p, before));
}

TEST(Files, SwappingWriteNeverShowsAReaderHalfAFile) {
  TempDir dir;
  const std::string p = dir.path() + "/state.json", spare = dir.path() + "/.spare";
  const std::string a(3000, 'a'), b(100, 'b');
  ASSERT_TRUE(sys::write_file_swapping(p, spare, a));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) (void)sys::write_file_swapping(p, spare, i % 2 ? a : b);
    done = true;
  });
  int reads = 0, torn = 0;
  while (!done || reads < 100) {
    auto text = sys::read_file(p);
    ASSERT_TRUE(text.ok()) << text.error().what();
    torn += (*text != a && *text != b);
    ++reads;
  }
  writer.join();
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_EQ(*sys::read_file(p), a);
}

}  // namespace
}  // namespace minirun::runtime
