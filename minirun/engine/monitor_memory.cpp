/**
 * @file monitor_memory.cpp
 * @brief release_startup_pages(): /proc/self/maps and madvise(2); see monitor_memory.hpp.
 */
#include "minirun/engine/monitor_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <string>

namespace minirun::engine {

void release_startup_pages() {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return;
  char line[PATH_MAX + 128];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long start = 0, end = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3 || path_at == 0) continue;
    std::string path(line + path_at);
    if (!path.empty() && path.back() == '\n') path.pop_back();
    if (path != exe || perms[1] == 'w') continue;
    ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
  }
  std::fclose(maps);
}
}  // namespace minirun::engine
