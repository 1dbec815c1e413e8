/**
 * @file staging.cpp
 * @brief Staging directories and write-then-rename; see staging.hpp.
 */
#include "imagebuilder/store/staging.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

Result<StagingDir> StagingDir::create(const std::string& tmp_root, std::string_view prefix) {
  MINIRUN_TRY(minirun::sys::make_directories(tmp_root, 0700), "staging area");
  std::string pattern = tmp_root + "/" + std::string(prefix) + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) return Error::from_errno("mkdtemp", pattern);
  return StagingDir(std::string(buffer.data()));
}

StagingDir::~StagingDir() {
  // Best effort: a destructor cannot report, and a leftover is swept by `prune`.
  if (!path_.empty()) (void)minirun::sys::remove_tree(path_);
}

Result<void> sync_file(const std::string& path) {
  minirun::sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::from_errno("open", path);
  if (::fsync(fd.get()) < 0) return Error::from_errno("fsync", path);
  return minirun::sys::ok();
}

Result<void> write_file_via(const std::string& tmp_root, const std::string& target, std::string_view data,
                            mode_t mode) {
  MINIRUN_TRY(minirun::sys::make_directories(tmp_root, 0700), "staging area");
  std::string pattern = tmp_root + "/write-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  minirun::sys::UniqueFd fd(::mkstemp(name.data()));
  if (!fd) return Error::from_errno("mkstemp", pattern);
  std::string tmp(name.data());
  auto fail = [&](Error e) {
    ::unlink(tmp.c_str());
    return e;
  };
  for (std::size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("write", tmp));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd.get(), mode) < 0) return fail(Error::from_errno("fchmod", tmp));
  if (::fsync(fd.get()) < 0) return fail(Error::from_errno("fsync", tmp));
  fd.reset();
  if (::rename(tmp.c_str(), target.c_str()) < 0) return fail(Error::from_errno("rename", tmp + "` to `" + target));
  return minirun::sys::ok();
}

}  // namespace imagebuilder::store
