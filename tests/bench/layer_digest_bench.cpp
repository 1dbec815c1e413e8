/**
 * @file layer_digest_bench.cpp
 * @brief How fast are layer digests and layer tars? The kit against sha256sum and tar.
 *
 * Two questions a build asks of every layer:
 *  1. digest: SHA-256 of a 1 GiB file with digest_file() (Nettle, 1 MiB reads) and with
 *     coreutils' `sha256sum` on the same file, in the same run. The kit aims at
 *     >= 1 GB/s, which Nettle reaches on CPUs with the SHA extensions (`sha_ni` in
 *     /proc/cpuinfo); without them expect about half.
 *  2. tar: write_layer() of a tree (many small files plus one big file) against
 *     `tar -cf` of the same tree. write_layer also hashes every byte (the diff_id) and
 *     sorts each directory, which `tar -cf` does not; the ratio shows what that costs.
 * Each figure is the best of three runs with a warm page cache (the data was just
 * written), so it measures CPU and copying, not the disk. Output goes to /tmp.
 *
 * A benchmark, not a test: it prints a table and asserts nothing. It removes its
 * files at the end (and on a failed step).
 *
 * Usage: layer_digest_bench [MiB for the digest file, default 1024]
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "imagebuilder/store/digest.hpp"
#include "imagebuilder/store/layer_writer.hpp"
#include "minirun/sys/file.hpp"

extern char** environ;

namespace {

using imagebuilder::store::digest_file;
using imagebuilder::store::write_layer;

double now_seconds() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Pseudo-random bytes (xorshift64): incompressible, and fast enough not to matter.
void fill_random(std::vector<std::uint64_t>& buffer, std::uint64_t& state) {
  for (auto& word : buffer) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    word = state;
  }
}

bool write_random_file(const std::string& path, std::uint64_t bytes, std::uint64_t seed) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::vector<std::uint64_t> buffer((8u << 20) / 8);
  std::uint64_t state = seed | 1;
  while (bytes > 0) {
    fill_random(buffer, state);
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, buffer.size() * 8));
    if (::write(fd, buffer.data(), n) != static_cast<ssize_t>(n)) {
      ::close(fd);
      return false;
    }
    bytes -= n;
  }
  return ::close(fd) == 0;
}

/// Runs argv (no shell) with stdout to /dev/null; returns wall seconds, or -1.
double time_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  double start = now_seconds();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return now_seconds() - start;
}

template <class F>
double best_of_three(F run) {
  double best = -1;
  for (int i = 0; i < 3; ++i) {
    double s = run();
    if (s < 0) return -1;
    if (best < 0 || s < best) best = s;
  }
  return best;
}

struct Row {
  std::string what;
  double bytes;
  double kit_seconds;
  double other_seconds;
  std::string other;
};

void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-34s %10s %12s %12s %8s\n", "measurement", "data MiB", "kit GB/s", "other GB/s", "ratio");
  for (const auto& r : rows) {
    double kit = r.kit_seconds > 0 ? r.bytes / r.kit_seconds / 1e9 : 0;
    double other = r.other_seconds > 0 ? r.bytes / r.other_seconds / 1e9 : 0;
    std::printf("%-34s %10.0f %12.2f %12.2f %8.2f   (other: %s)\n", r.what.c_str(), r.bytes / (1 << 20), kit, other,
                other > 0 ? kit / other : 0, r.other.c_str());
  }
  std::printf("\nratio > 1: the kit is faster. Best of 3 runs each, warm page cache.\n");
}

/// Many files of 16..128 KiB in 40 directories, plus one big file.
bool make_tree(const std::string& root, std::uint64_t small_total, std::uint64_t big, std::uint64_t& bytes,
               std::uint64_t& files) {
  if (::mkdir(root.c_str(), 0755) < 0) return false;
  std::uint64_t state = 42;
  std::uint64_t written = 0;
  for (int i = 0; written < small_total; ++i) {
    std::string dir = root + "/d" + std::to_string(i % 40);
    ::mkdir(dir.c_str(), 0755);
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::uint64_t size = (16u << 10) + (state >> 33) % (112u << 10);
    if (!write_random_file(dir + "/f" + std::to_string(i), size, state)) return false;
    written += size;
    ++files;
  }
  if (!write_random_file(root + "/big.bin", big, 7)) return false;
  bytes = written + big;
  ++files;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t digest_mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  char scratch_template[] = "/tmp/layer-bench-XXXXXX";
  if (::mkdtemp(scratch_template) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string scratch = scratch_template;
  std::vector<Row> rows;
  int exit_code = 0;

  // 1. digest_file against sha256sum.
  const std::string big = scratch + "/digest.bin";
  std::printf("writing %llu MiB of test data to %s ...\n", static_cast<unsigned long long>(digest_mib), big.c_str());
  if (!write_random_file(big, digest_mib << 20, 1)) {
    std::fprintf(stderr, "cannot write %s\n", big.c_str());
    exit_code = 1;
  } else {
    double kit = best_of_three([&] {
      double start = now_seconds();
      return digest_file(big).ok() ? now_seconds() - start : -1;
    });
    double coreutils = best_of_three([&] { return time_command({"sha256sum", big}); });
    rows.push_back({"SHA-256 of one file", static_cast<double>(digest_mib << 20), kit, coreutils, "sha256sum"});
    ::unlink(big.c_str());
  }

  // 2. write_layer against tar -cf.
  const std::string tree = scratch + "/tree";
  std::uint64_t tree_bytes = 0, files = 0;
  std::printf("writing a tree of ~200 MiB in small files + one 256 MiB file ...\n");
  if (exit_code == 0 && make_tree(tree, 200ull << 20, 256ull << 20, tree_bytes, files)) {
    const std::string kit_tar = scratch + "/kit.tar";
    const std::string gnu_tar = scratch + "/gnu.tar";
    double kit = best_of_three([&] {
      double start = now_seconds();
      auto layer = write_layer(tree, kit_tar);
      if (!layer) std::fprintf(stderr, "%s\n", layer.error().what().c_str());
      return layer ? now_seconds() - start : -1;
    });
    double gnu = best_of_three([&] { return time_command({"tar", "-cf", gnu_tar, "-C", tree, "."}); });
    rows.push_back({"layer tar of " + std::to_string(files) + " files", static_cast<double>(tree_bytes), kit, gnu,
                    "tar -cf (no hash)"});
  } else if (exit_code == 0) {
    std::fprintf(stderr, "cannot create the test tree\n");
    exit_code = 1;
  }

  auto removed = minirun::sys::remove_tree(scratch);
  if (!removed) std::fprintf(stderr, "cleanup: %s\n", removed.error().what().c_str());
  print_table(rows);
  return exit_code;
}
