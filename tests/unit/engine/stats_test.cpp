// `minirun stats` arithmetic and table, and `minirun top` rows read from a fake proc tree.
#include "minirun/engine/stats.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "minirun/sys/file.hpp"

namespace minirun::engine {
namespace {

uint64_t ticks_per_second() { return static_cast<uint64_t>(::sysconf(_SC_CLK_TCK)); }

/// A directory laid out like /proc, with only the files read_process_row() reads.
class FakeProc : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/minirun-stats-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    write("stat", "cpu  1 2 3 4 5 6 7 0 0 0\nbtime " + std::to_string(kBootTime) + "\n");
    write("uptime", "4000.52 7000.10\n");
  }
  void TearDown() override { ASSERT_TRUE(sys::remove_tree(root_).ok()); }

  void write(const std::string& relative, const std::string& text) {
    std::string path = root_ + "/" + relative;
    ASSERT_TRUE(sys::make_directories(path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(sys::write_file(path, text).ok());
  }

  /// A process with the given stat line tail pieces; times in clock ticks.
  void add_process(pid_t pid, const std::string& comm, pid_t ppid, int64_t tty_nr, uint64_t utime,
                   uint64_t stime, uint64_t start, const std::string& cmdline, const std::string& uid_line) {
    std::string dir = std::to_string(pid);
    write(dir + "/stat", std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " 1 1 " +
                             std::to_string(tty_nr) + " -1 4194304 100 0 0 0 " + std::to_string(utime) + " " +
                             std::to_string(stime) + " 0 0 20 0 1 0 " + std::to_string(start) +
                             " 1000000 200 18446744073709551615\n");
    write(dir + "/status", "Name:\t" + comm + "\nState:\tS (sleeping)\n" + uid_line + "\nGid:\t0\t0\t0\t0\n");
    write(dir + "/cmdline", cmdline);
  }

  static constexpr time_t kBootTime = 1'600'000'000;  // September 2020: STIME shows the year
  std::string root_;
};

TEST(SystemCpu, SumsTheFirstSevenFieldsOfTheCpuLine) {
  // user nice system idle iowait irq softirq = 1170 ticks; steal (999) is not counted.
  auto ns = read_system_cpu_ns("cpu  100 0 50 1000 10 5 5 999 0 0\ncpu0 1 1 1 1 1 1 1 0 0 0\n");
  ASSERT_TRUE(ns.ok()) << ns.error().what();
  EXPECT_EQ(*ns, 1170 * 1'000'000'000ull / ticks_per_second());
}

TEST(SystemCpu, MissingCpuLineIsAnError) {
  auto ns = read_system_cpu_ns("cpu0 1 2 3 4 5 6 7\nintr 5\n");
  ASSERT_FALSE(ns.ok());
  EXPECT_NE(ns.error().what().find("`cpu `"), std::string::npos);
}

TEST(SystemCpu, ShortOrNonNumericCpuLineIsAnError) {
  EXPECT_FALSE(read_system_cpu_ns("cpu  1 2 3\n").ok());
  EXPECT_FALSE(read_system_cpu_ns("cpu  1 2 x 4 5 6 7\n").ok());
}

TEST(SystemCpu, ThisMachinesProcStatParses) {
  auto text = sys::read_file("/proc/stat");
  ASSERT_TRUE(text.ok()) << text.error().what();
  auto ns = read_system_cpu_ns(*text);
  ASSERT_TRUE(ns.ok()) << ns.error().what();
  EXPECT_GT(*ns, 0u);
}

TEST(CpuPercent, IsDockersFormula) {
  StatsSample before{}, after{};
  before.cpu_usage_ns = 1'000'000'000;
  before.system_cpu_ns = 10'000'000'000;
  after.cpu_usage_ns = 2'000'000'000;   // one CPU-second used
  after.system_cpu_ns = 14'000'000'000; // in four CPU-seconds of the machine
  after.online_cpus = 4;                 // = one whole CPU of four
  EXPECT_DOUBLE_EQ(cpu_percent(before, after), 100.0);
}

TEST(CpuPercent, IsZeroWhenADeltaIsZeroOrNegative) {
  StatsSample before{}, after{};
  after.online_cpus = 2;
  after.cpu_usage_ns = 5;
  EXPECT_EQ(cpu_percent(before, after), 0.0);  // system delta 0
  after.cpu_usage_ns = 0;
  after.system_cpu_ns = 100;
  EXPECT_EQ(cpu_percent(before, after), 0.0);  // cpu delta 0
  before.cpu_usage_ns = 50;
  EXPECT_EQ(cpu_percent(before, after), 0.0);  // counter went back
}

TEST(MemoryPercent, IsZeroWithoutALimit) {
  EXPECT_EQ(memory_percent(1024, 0), 0.0);
  EXPECT_DOUBLE_EQ(memory_percent(1024, 4096), 25.0);
}

TEST(FormatBytes, UsesBinaryUnitsWithFourSignificantDigits) {
  EXPECT_EQ(format_bytes(0), "0B");
  EXPECT_EQ(format_bytes(1023), "1023B");
  EXPECT_EQ(format_bytes(1024), "1KiB");
  EXPECT_EQ(format_bytes(512 * 1024), "512KiB");
  EXPECT_EQ(format_bytes(1536 * 1024), "1.5MiB");
  EXPECT_EQ(format_bytes(1'597'000), "1.523MiB");
  EXPECT_EQ(format_bytes(3'435'973'837), "3.2GiB");
}

TEST(StatsRow, JsonLooksLikeDockerStatsFormatJson) {
  StatsRow row{"0123456789abcdef0123", "web", 0.5, 1258291, 64 * 1024 * 1024, 1.875, 3};
  auto json = row.to_json();
  EXPECT_EQ(json["ID"], "0123456789ab");
  EXPECT_EQ(json["Name"], "web");
  EXPECT_EQ(json["CPUPerc"], "0.50%");
  EXPECT_EQ(json["MemUsage"], "1.2MiB / 64MiB");
  EXPECT_EQ(json["MemPerc"], "1.88%");
  EXPECT_EQ(json["PIDs"], "3");
}

TEST(StatsRow, MakeStatsRowTakesMemoryFromTheLaterSample) {
  StatsSample before{}, after{};
  before.memory_bytes = 1;
  after.memory_bytes = 256;
  after.memory_limit_bytes = 1024;
  after.pids = 4;
  auto row = make_stats_row("abc", "db", before, after);
  EXPECT_EQ(row.mem, 256u);
  EXPECT_EQ(row.limit, 1024u);
  EXPECT_DOUBLE_EQ(row.mem_percent, 25.0);
  EXPECT_EQ(row.pids, 4u);
}

TEST(StatsTable, HeaderIsAlignedLikeDockers) {
  EXPECT_EQ(format_stats_table({}), "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     PIDS\n");
}

TEST(StatsTable, RowsShortenTheIdAndLineUpWithTheHeader) {
  StatsRow row{std::string(64, 'f'), "a-rather-long-container-name", 12.345, 1024, 2048, 50, 7};
  std::string table = format_stats_table({row});
  std::string header = table.substr(0, table.find('\n'));
  std::string line = table.substr(table.find('\n') + 1);
  EXPECT_EQ(line.rfind(std::string(12, 'f') + "   a-rather", 0), 0u) << table;
  for (const char* column : {"CPU %", "MEM USAGE", "MEM %", "PIDS"}) {
    size_t at = header.find(column);
    ASSERT_NE(at, std::string::npos);
    EXPECT_NE(line[at], ' ') << column << " column misaligned:\n" << table;
    EXPECT_EQ(line[at - 1], ' ') << column << " column misaligned:\n" << table;
  }
  EXPECT_NE(line.find("12.35%"), std::string::npos);
  EXPECT_NE(line.find("1KiB / 2KiB"), std::string::npos);
}

TEST_F(FakeProc, ReadsTheColumnsOfPsEf) {
  uint64_t hz = ticks_per_second();
  // 3725 s of CPU (01:02:05); started 100 s after boot, now 4000 s after boot: C = 95.
  add_process(123, "my (odd) cmd", 1, (136 << 8) | 0, 3700 * hz, 25 * hz, 100 * hz,
              std::string("sh\0-c\0sleep 10\0", 16), "Uid:\t0\t0\t0\t0");
  auto row = read_process_row(root_, 123);
  ASSERT_TRUE(row.ok()) << row.error().what();
  EXPECT_EQ(row->uid, "0");
  EXPECT_EQ(row->pid, 123);
  EXPECT_EQ(row->ppid, 1);
  EXPECT_EQ(row->cpu_utilization, 95);
  EXPECT_EQ(row->stime, "2020");
  EXPECT_EQ(row->tty, "pts/0");
  EXPECT_EQ(row->time, "01:02:05");
  EXPECT_EQ(row->cmd, "sh -c sleep 10");
}

TEST_F(FakeProc, UidIsTheEffectiveOne) {
  add_process(7, "app", 1, 0, 0, 0, 0, std::string("app\0", 4), "Uid:\t1000\t2000\t1000\t1000");
  auto row = read_process_row(root_, 7);
  ASSERT_TRUE(row.ok()) << row.error().what();
  EXPECT_EQ(row->uid, "2000");
}

TEST_F(FakeProc, EmptyCmdlineShowsTheNameInBracketsAndNoTtyAsQuestionMark) {
  add_process(2, "kworker/0:1", 0, 0, 0, 0, 0, "", "Uid:\t0\t0\t0\t0");
  auto row = read_process_row(root_, 2);
  ASSERT_TRUE(row.ok()) << row.error().what();
  EXPECT_EQ(row->cmd, "[kworker/0:1]");
  EXPECT_EQ(row->tty, "?");
}

TEST_F(FakeProc, ControlCharactersInCmdlineBecomeQuestionMarks) {
  add_process(9, "evil", 1, 0, 0, 0, 0, std::string("echo\0fake\nrow\0", 14), "Uid:\t0\t0\t0\t0");
  auto row = read_process_row(root_, 9);
  ASSERT_TRUE(row.ok()) << row.error().what();
  EXPECT_EQ(row->cmd, "echo fake?row");
}

TEST_F(FakeProc, AProcessThatIsGoneNamesTheFile) {
  auto row = read_process_row(root_, 999);
  ASSERT_FALSE(row.ok());
  EXPECT_EQ(row.error().code(), ENOENT);
  EXPECT_NE(row.error().what().find("/999/stat"), std::string::npos) << row.error().what();
}

TEST_F(FakeProc, MalformedStatIsAnErrorNamingTheFile) {
  write("5/stat", "5 no-parentheses S 1\n");
  write("5/status", "Uid:\t0\t0\t0\t0\n");
  write("5/cmdline", "");
  auto row = read_process_row(root_, 5);
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.error().what().find("/5/stat"), std::string::npos) << row.error().what();
}

TEST(ProcessRow, ReadsThisTestProcessFromProcSelf) {
  auto row = read_process_row("/proc", ::getpid());
  ASSERT_TRUE(row.ok()) << row.error().what();
  EXPECT_EQ(row->pid, ::getpid());
  EXPECT_EQ(row->ppid, ::getppid());
  EXPECT_EQ(row->uid, std::to_string(::geteuid()));
  EXPECT_EQ(row->cmd.rfind(program_invocation_name, 0), 0u) << row->cmd;
  EXPECT_EQ(row->time.size(), 8u) << row->time;  // HH:MM:SS for a short-lived test
  EXPECT_EQ(row->stime.size(), 5u) << row->stime;  // started today: HH:MM (or just now)
}

TEST(StartTime, FormatsLikePs) {
  const char* saved = std::getenv("TZ");
  std::string saved_tz = saved ? saved : "";
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  time_t now = 1'714'564'800;                            // 2024-05-01 12:00 UTC
  EXPECT_EQ(format_start_time(1'714'553'100, now), "08:45");  // same day
  EXPECT_EQ(format_start_time(1'709'800'000, now), "Mar07");  // same year
  EXPECT_EQ(format_start_time(1'704'000'000, now), "2023");   // 2023-12-31
  if (saved) ::setenv("TZ", saved_tz.c_str(), 1); else ::unsetenv("TZ");
  ::tzset();
}

TEST(CpuTime, FormatsLikePsTime) {
  EXPECT_EQ(format_cpu_time(0), "00:00:00");
  EXPECT_EQ(format_cpu_time(3725), "01:02:05");
  EXPECT_EQ(format_cpu_time(90061), "1-01:01:01");
}

TEST(TopTable, HeaderIsAlignedLikeDockerTop) {
  std::string pad20 = "                    ";
  auto column = [&](const std::string& title) { return title + pad20.substr(title.size()); };
  EXPECT_EQ(format_top_table({}), column("UID") + column("PID") + column("PPID") + column("C") + column("STIME") +
                                      column("TTY") + column("TIME") + "CMD\n");
}

TEST(TopTable, RowsLineUpWithTheHeader) {
  ProcessRow row{"1000", 4242, 1, 0, "10:15", "?", "00:00:01", "nginx: worker process"};
  std::string table = format_top_table({row});
  std::string line = table.substr(table.find('\n') + 1);
  EXPECT_EQ(line, "1000                4242                1                   0                   10:15"
                  "               ?                   00:00:01            nginx: worker process\n");
}

}  // namespace
}  // namespace minirun::engine
