/**
 * @file directory_listing.cpp
 * @brief readdir(3) into a vector; see directory_listing.hpp.
 */
#include "imagebuilder/store/directory_listing.hpp"

#include <dirent.h>

#include <cerrno>

namespace imagebuilder::store {

minirun::sys::Result<std::vector<std::string>> list_directory(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return names;
    return minirun::sys::Error::from_errno("opendir", dir);
  }
  while (auto* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

}  // namespace imagebuilder::store
