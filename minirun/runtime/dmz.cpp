/**
 * @file dmz.cpp
 * @brief Sealing minirun-dmz into a memfd and exec'ing through it (see dmz.hpp).
 */
#include "minirun/runtime/dmz.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>

namespace minirun::runtime {

// Generated at build time from minirun/dmz/dmz.c (cmake/embed.cmake).
extern const unsigned char kDmzProgram[];
extern const std::size_t kDmzProgram_size;

sys::Result<sys::UniqueFd> make_sealed_dmz() {
  sys::UniqueFd fd(::memfd_create("minirun-dmz", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return sys::Error::from_errno("memfd_create", "minirun-dmz");
  if (::write(fd.get(), kDmzProgram, kDmzProgram_size) != static_cast<ssize_t>(kDmzProgram_size)) {
    return sys::Error::from_errno("write", "minirun-dmz memfd");
  }
  // After these seals the content can never change, for anyone, and the seals
  // themselves cannot be removed (F_SEAL_SEAL).
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    return sys::Error::from_errno("fcntl F_ADD_SEALS", "minirun-dmz memfd");
  }
  return fd;
}

void exec_through_dmz(int dmz_fd, const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env) {
  std::vector<char*> argv, envp;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::syscall(SYS_execveat, dmz_fd, "", argv.data(), envp.data(), AT_EMPTY_PATH);
}

}  // namespace minirun::runtime
