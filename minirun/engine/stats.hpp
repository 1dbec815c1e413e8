/**
 * @file stats.hpp
 * @brief `minirun stats` and `minirun top`: a container's CPU, memory and processes,
 *        computed and printed the way `docker stats` and `docker top` do.
 *
 * **stats.** The kernel keeps counters, not rates: the cgroup's `cpu.stat` says how
 * many nanoseconds of CPU the container has used since it started, and `/proc/stat`
 * says how much time all CPUs together have spent since boot. A percentage needs two
 * samples. Docker's formula, kept here so the numbers match:
 *
 *     CPU % = (container CPU delta / system CPU delta) * online CPUs * 100
 *
 * so a container that keeps two of four CPUs busy shows 200%. Memory is the cgroup's
 * usage against its limit. The caller takes the samples (cgroup files); this file does
 * the arithmetic, Docker's byte units ("1.5MiB", four significant digits, as the
 * go-units library prints them) and the table / JSON output.
 *
 * **top.** `docker top` runs `ps -ef` on the host and keeps the container's processes.
 * minirun reads the same facts from proc(5) for each pid of the container's cgroup:
 * `/proc/PID/stat` (ppid, tty, CPU time, start time), `/proc/PID/status` (effective
 * uid) and `/proc/PID/cmdline` (the arguments; `[comm]` for a process without any,
 * as ps shows kernel threads). The columns are ps -ef's: UID PID PPID C STIME TTY TIME
 * CMD, with ps's formats (STIME `HH:MM` today, `MonDD` this year, else the year; TIME
 * `[DD-]HH:MM:SS` of user + system CPU; C the CPU share over the process's life, capped
 * at 99).
 *
 * Left out: network and block I/O columns (they need the container's network namespace
 * and io.stat; shown by neither table rather than as fake zeros), user *names* in top
 * (they would have to come from the container's /etc/passwd, see user_lookup.hpp; ps
 * on the host would show host names, which can be wrong), and `ps` options after
 * `docker top CONTAINER`.
 *
 * Tables are aligned like Go's text/tabwriter in the Docker CLI: each column as wide as
 * its widest cell plus 3 spaces, at least 10 (stats) or 20 (top) wide, the last column
 * unpadded.
 *
 * Man pages: proc(5) (/proc/stat, /proc/PID/stat, status, cmdline, /proc/uptime), ps(1),
 * sysconf(3) (_SC_CLK_TCK), cgroups(7). Docs: `docker stats`, `docker top`.
 *
 * Lab: labs/04-cgroups
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

/// One reading of a container's counters at time `taken_ns`.
struct StatsSample {
  int64_t taken_ns = 0;
  uint64_t cpu_usage_ns = 0;        ///< cgroup cpu.stat usage_usec * 1000
  uint64_t system_cpu_ns = 0;       ///< /proc/stat, all CPUs together (read_system_cpu_ns)
  uint64_t memory_bytes = 0;
  uint64_t memory_limit_bytes = 0;  ///< 0 when unknown
  uint64_t pids = 0;
  int online_cpus = 0;
};

/// The time all CPUs have spent since boot, in ns, from the text of /proc/stat: the
/// first seven fields of the `cpu ` line (user nice system idle iowait irq softirq, in
/// clock ticks of sysconf(_SC_CLK_TCK)), as Docker sums them.
Result<uint64_t> read_system_cpu_ns(const std::string& proc_stat_text);

/// Docker's CPU percentage between two samples; 0 when either delta is not positive.
double cpu_percent(const StatsSample& before, const StatsSample& after);

/// Memory use as a percentage of the limit; 0 when there is no limit.
double memory_percent(uint64_t memory_bytes, uint64_t limit_bytes);

/// Bytes in binary units with four significant digits: "0B", "512KiB", "1.5MiB", "3.2GiB".
std::string format_bytes(uint64_t bytes);

/// One line of `minirun stats`.
struct StatsRow {
  std::string id;
  std::string name;
  double cpu_percent = 0;
  uint64_t mem = 0;
  uint64_t limit = 0;
  double mem_percent = 0;
  uint64_t pids = 0;

  /// Like `docker stats --format json`: ID (12 characters), Name, CPUPerc "0.50%",
  /// MemUsage "1.2MiB / 64MiB", MemPerc "1.88%", PIDs "3" (all strings, as Docker's).
  nlohmann::json to_json() const;
};

/// A row from two samples of one container.
StatsRow make_stats_row(const std::string& id, const std::string& name, const StatsSample& before,
                        const StatsSample& after);

/// The `docker stats` table: CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, PIDS.
std::string format_stats_table(const std::vector<StatsRow>& rows);

/// One line of `minirun top` (ps -ef's columns).
struct ProcessRow {
  std::string uid;          ///< effective uid, as a number
  pid_t pid = 0;
  pid_t ppid = 0;
  int cpu_utilization = 0;  ///< ps's C: CPU time * 100 / elapsed time, at most 99
  std::string stime;        ///< start time: "HH:MM", "MonDD" or "YYYY"
  std::string tty;          ///< "pts/0", "tty1", or "?" for none
  std::string time;         ///< user + system CPU time, "[DD-]HH:MM:SS"
  std::string cmd;          ///< the arguments joined by spaces, or "[comm]"
};

/// Reads one process from `proc_root` (normally "/proc"): PID/stat, PID/status,
/// PID/cmdline, plus `stat` (btime) and `uptime` for the start time and C. A process
/// that exited in between gives an error naming the file (ENOENT / ESRCH); `top` skips it.
Result<ProcessRow> read_process_row(const std::string& proc_root, pid_t pid);

/// ps's STIME: "HH:MM" when `start` is on the same day as `now`, "MonDD" in the same
/// year, else "YYYY" (local time).
std::string format_start_time(time_t start, time_t now);

/// ps's TIME: "HH:MM:SS", or "DD-HH:MM:SS" from one day on.
std::string format_cpu_time(uint64_t seconds);

/// The `docker top` table: UID PID PPID C STIME TTY TIME CMD.
std::string format_top_table(const std::vector<ProcessRow>& rows);

}  // namespace minirun::engine
