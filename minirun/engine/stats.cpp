/**
 * @file stats.cpp
 * @brief CPU and memory arithmetic, proc(5) parsing and the two tables; see stats.hpp.
 *
 * Lab: labs/04-cgroups
 */
#include "minirun/engine/stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <cstdio>
#include <iterator>
#include <sstream>

#include "minirun/sys/file.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

/// Whitespace-separated words of one line.
std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

/// The line of `text` that starts with `prefix`, or nothing.
std::optional<std::string> find_line(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, prefix.size(), prefix) == 0) return line;
  }
  return std::nullopt;
}

template <class Number>
std::optional<Number> parse_number(const std::string& text) {
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

/// Clock ticks per second, the unit of /proc/stat and /proc/PID/stat times.
Result<uint64_t> clock_ticks_per_second() {
  long hz = ::sysconf(_SC_CLK_TCK);
  if (hz <= 0) return Error::from_errno("sysconf(_SC_CLK_TCK)", {}, errno == 0 ? EINVAL : errno);
  return static_cast<uint64_t>(hz);
}

/// Lays rows out like Go's text/tabwriter with padding 3 and the given minimum width,
/// as the Docker CLI does: every column but the last padded to its widest cell + 3.
std::string align_columns(const std::vector<std::vector<std::string>>& rows, size_t min_width) {
  constexpr size_t kPadding = 3;
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    for (size_t column = 0; column + 1 < row.size(); ++column) {
      if (widths.size() <= column) widths.resize(column + 1, min_width);
      widths[column] = std::max(widths[column], row[column].size() + kPadding);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t column = 0; column < row.size(); ++column) {
      out += row[column];
      if (column + 1 < row.size()) out.append(widths[column] - row[column].size(), ' ');
    }
    out += '\n';
  }
  return out;
}

std::string format_percent(double percent) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", percent);
  return text;
}

/// A tty number from /proc/PID/stat as ps names it (devices(7)): Unix98 ptys are
/// majors 136-143, virtual consoles and serial ports major 4. Other devices would need
/// a walk through /dev; they show as "?" like a process without a terminal.
std::string name_tty(int64_t tty_nr) {
  if (tty_nr == 0) return "?";
  uint64_t major = (static_cast<uint64_t>(tty_nr) >> 8) & 0xfff;
  uint64_t minor = (static_cast<uint64_t>(tty_nr) & 0xff) | ((static_cast<uint64_t>(tty_nr) >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return "pts/" + std::to_string((major - 136) * 256 + minor);
  if (major == 4 && minor < 64) return "tty" + std::to_string(minor);
  if (major == 4) return "ttyS" + std::to_string(minor - 64);
  if (major == 5 && minor == 1) return "console";
  return "?";
}

/// The arguments from /proc/PID/cmdline (NUL-separated) joined by spaces. Control
/// characters become '?', as ps prints them, so a process cannot forge table lines.
std::string join_cmdline(const std::string& raw) {
  std::string text = raw;
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text) {
    if (c == '\0') c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

/// The fields of /proc/PID/stat that top needs. The command name is in parentheses and
/// may itself contain spaces and ')', so the fields start after the *last* ')'.
struct ProcStat {
  std::string comm;
  pid_t ppid = 0;
  int64_t tty_nr = 0;
  uint64_t cpu_ticks = 0;    // utime + stime
  uint64_t start_ticks = 0;  // after boot
};

Result<ProcStat> parse_proc_stat(const std::string& text, const std::string& path) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return Error("`" + path + "`: no `(comm)` field; is this a proc(5) stat file?");
  }
  ProcStat stat;
  stat.comm = text.substr(open + 1, close - open - 1);
  // After ')': state(3) ppid(4) pgrp session tty_nr(7) tpgid flags minflt cminflt majflt
  // cmajflt utime(14) stime(15) cutime cstime priority nice num_threads itrealvalue
  // starttime(22): index = field number - 3.
  auto fields = split_words(text.substr(close + 1));
  if (fields.size() < 20) return Error("`" + path + "`: expected at least 22 fields, found " + std::to_string(fields.size() + 2));
  auto ppid = parse_number<pid_t>(fields[1]);
  auto tty = parse_number<int64_t>(fields[4]);
  auto utime = parse_number<uint64_t>(fields[11]);
  auto stime = parse_number<uint64_t>(fields[12]);
  auto start = parse_number<uint64_t>(fields[19]);
  if (!ppid || !tty || !utime || !stime || !start) return Error("`" + path + "`: a numeric field is not a number");
  stat.ppid = *ppid;
  stat.tty_nr = *tty;
  stat.cpu_ticks = *utime + *stime;
  stat.start_ticks = *start;
  return stat;
}

/// The effective uid: the second number of the `Uid:` line of /proc/PID/status.
Result<std::string> parse_effective_uid(const std::string& text, const std::string& path) {
  auto line = find_line(text, "Uid:");
  if (!line) return Error("`" + path + "`: no `Uid:` line");
  auto words = split_words(*line);
  if (words.size() < 3 || !parse_number<uint32_t>(words[2])) return Error("`" + path + "`: malformed `Uid:` line");
  return words[2];
}

/// Boot time in seconds since the epoch: the `btime` line of /proc/stat.
Result<time_t> read_boot_time(const std::string& proc_root) {
  std::string path = proc_root + "/stat";
  auto text = sys::read_file(path);
  if (!text) return std::move(text.error());
  auto line = find_line(*text, "btime ");
  auto words = line ? split_words(*line) : std::vector<std::string>{};
  auto btime = words.size() == 2 ? parse_number<int64_t>(words[1]) : std::nullopt;
  if (!btime) return Error("`" + path + "`: no valid `btime` line");
  return static_cast<time_t>(*btime);
}

/// Whole seconds since boot: the first number of /proc/uptime ("12345.67 8901.23").
Result<uint64_t> read_uptime_seconds(const std::string& proc_root) {
  std::string path = proc_root + "/uptime";
  auto text = sys::read_file(path);
  if (!text) return std::move(text.error());
  auto words = split_words(*text);
  std::string whole = words.empty() ? "" : words[0].substr(0, words[0].find('.'));
  auto seconds = parse_number<uint64_t>(whole);
  if (!seconds) return Error("`" + path + "`: expected seconds since boot, got `" + *text + "`");
  return *seconds;
}

}  // namespace

Result<uint64_t> read_system_cpu_ns(const std::string& proc_stat_text) {
  auto line = find_line(proc_stat_text, "cpu ");
  if (!line) return Error("/proc/stat: no `cpu ` line with the total of all CPUs");
  auto words = split_words(*line);
  if (words.size() < 8) {
    return Error("/proc/stat: the `cpu ` line has " + std::to_string(words.size() - 1) + " fields, expected at least 7");
  }
  uint64_t ticks = 0;
  // user nice system idle iowait irq softirq; steal and guest are left out, as Docker does.
  for (size_t i = 1; i <= 7; ++i) {
    auto value = parse_number<uint64_t>(words[i]);
    if (!value) return Error("/proc/stat: `cpu ` field " + std::to_string(i) + " `" + words[i] + "` is not a number");
    ticks += *value;
  }
  auto hz = clock_ticks_per_second();
  if (!hz) return std::move(hz.error());
  // Split the division so ticks * 1e9 cannot overflow on a machine that has been up long.
  return ticks / *hz * kNanosPerSecond + ticks % *hz * kNanosPerSecond / *hz;
}

double cpu_percent(const StatsSample& before, const StatsSample& after) {
  // Counters only grow; a smaller "after" means a restarted cgroup, not negative use.
  if (after.cpu_usage_ns <= before.cpu_usage_ns || after.system_cpu_ns <= before.system_cpu_ns) return 0.0;
  double cpu_delta = static_cast<double>(after.cpu_usage_ns - before.cpu_usage_ns);
  double system_delta = static_cast<double>(after.system_cpu_ns - before.system_cpu_ns);
  return cpu_delta / system_delta * after.online_cpus * 100.0;
}

double memory_percent(uint64_t memory_bytes, uint64_t limit_bytes) {
  if (limit_bytes == 0) return 0.0;
  return static_cast<double>(memory_bytes) / static_cast<double>(limit_bytes) * 100.0;
}

std::string format_bytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= 1024.0 && unit + 1 < std::size(kUnits)) {
    size /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.4g%s", size, kUnits[unit]);
  return text;
}

nlohmann::json StatsRow::to_json() const {
  return {{"ID", id.substr(0, 12)},
          {"Name", name},
          {"CPUPerc", format_percent(cpu_percent)},
          {"MemUsage", format_bytes(mem) + " / " + format_bytes(limit)},
          {"MemPerc", format_percent(mem_percent)},
          {"PIDs", std::to_string(pids)}};
}

StatsRow make_stats_row(const std::string& id, const std::string& name, const StatsSample& before,
                        const StatsSample& after) {
  StatsRow row;
  row.id = id;
  row.name = name;
  row.cpu_percent = cpu_percent(before, after);
  row.mem = after.memory_bytes;
  row.limit = after.memory_limit_bytes;
  row.mem_percent = memory_percent(after.memory_bytes, after.memory_limit_bytes);
  row.pids = after.pids;
  return row;
}

std::string format_stats_table(const std::vector<StatsRow>& rows) {
  std::vector<std::vector<std::string>> cells{{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"}};
  for (const auto& row : rows) {
    auto json = row.to_json();
    cells.push_back({json["ID"], json["Name"], json["CPUPerc"], json["MemUsage"], json["MemPerc"], json["PIDs"]});
  }
  return align_columns(cells, 10);
}

Result<ProcessRow> read_process_row(const std::string& proc_root, pid_t pid) {
  std::string dir = proc_root + "/" + std::to_string(pid);
  std::string context = "process " + std::to_string(pid);
  auto stat_text = sys::read_file(dir + "/stat");
  if (!stat_text) return std::move(stat_text.error()).context(context);
  auto stat = parse_proc_stat(*stat_text, dir + "/stat");
  if (!stat) return std::move(stat.error()).context(context);
  auto status_text = sys::read_file(dir + "/status");
  if (!status_text) return std::move(status_text.error()).context(context);
  auto uid = parse_effective_uid(*status_text, dir + "/status");
  if (!uid) return std::move(uid.error()).context(context);
  auto cmdline = sys::read_file(dir + "/cmdline");
  if (!cmdline) return std::move(cmdline.error()).context(context);
  auto boot_time = read_boot_time(proc_root);
  if (!boot_time) return std::move(boot_time.error()).context(context);
  auto uptime = read_uptime_seconds(proc_root);
  if (!uptime) return std::move(uptime.error()).context(context);
  auto hz = clock_ticks_per_second();
  if (!hz) return std::move(hz.error()).context(context);

  ProcessRow row;
  row.uid = *uid;
  row.pid = pid;
  row.ppid = stat->ppid;
  uint64_t started_after_boot = stat->start_ticks / *hz;
  uint64_t elapsed = *uptime > started_after_boot ? *uptime - started_after_boot : 0;
  if (elapsed > 0) {
    // ps's C: percent of the process's lifetime spent on a CPU, whole numbers, at most 99.
    row.cpu_utilization = static_cast<int>(std::min<uint64_t>(stat->cpu_ticks * 100 / *hz / elapsed, 99));
  }
  row.stime = format_start_time(*boot_time + static_cast<time_t>(started_after_boot), ::time(nullptr));
  row.tty = name_tty(stat->tty_nr);
  row.time = format_cpu_time(stat->cpu_ticks / *hz);
  row.cmd = join_cmdline(*cmdline);
  if (row.cmd.empty()) row.cmd = "[" + stat->comm + "]";
  return row;
}

std::string format_start_time(time_t start, time_t now) {
  struct tm start_tm {}, now_tm {};
  ::localtime_r(&start, &start_tm);
  ::localtime_r(&now, &now_tm);
  const char* format = "%H:%M";
  if (start_tm.tm_yday != now_tm.tm_yday) format = "%b%d";
  if (start_tm.tm_year != now_tm.tm_year) format = "%Y";
  char text[32];
  size_t length = std::strftime(text, sizeof text, format, &start_tm);
  return std::string(text, length);
}

std::string format_cpu_time(uint64_t seconds) {
  uint64_t days = seconds / 86400;
  char text[48];
  if (days > 0) {
    std::snprintf(text, sizeof text, "%llu-%02llu:%02llu:%02llu", static_cast<unsigned long long>(days),
                  static_cast<unsigned long long>(seconds / 3600 % 24),
                  static_cast<unsigned long long>(seconds / 60 % 60), static_cast<unsigned long long>(seconds % 60));
  } else {
    std::snprintf(text, sizeof text, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds / 60 % 60), static_cast<unsigned long long>(seconds % 60));
  }
  return text;
}

std::string format_top_table(const std::vector<ProcessRow>& rows) {
  std::vector<std::vector<std::string>> cells{{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}};
  for (const auto& row : rows) {
    cells.push_back({row.uid, std::to_string(row.pid), std::to_string(row.ppid), std::to_string(row.cpu_utilization),
                     row.stime, row.tty, row.time, row.cmd});
  }
  return align_columns(cells, 20);
}

}  // namespace minirun::engine
