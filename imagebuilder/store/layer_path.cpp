/**
 * @file layer_path.cpp
 * @brief Lexical checks on tar entry names; see layer_path.hpp.
 */
#include "imagebuilder/store/layer_path.hpp"

namespace imagebuilder::store {

using minirun::sys::Error;
using minirun::sys::Result;

Result<std::string> clean_entry_path(std::string_view name) {
  std::string clean;
  clean.reserve(name.size());
  std::size_t pos = 0;
  // Leading slashes fall out of the loop below as empty components: `/etc` and
  // `etc` are the same entry.
  while (pos <= name.size()) {
    std::size_t end = name.find('/', pos);
    if (end == std::string_view::npos) end = name.size();
    std::string_view component = name.substr(pos, end - pos);
    pos = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      // Both cases are refused; the message says which, so a learner sees the attack.
      if (clean.empty()) return Error("entry `" + std::string(name) + "` climbs out of the layer");
      return Error("entry `" + std::string(name) + "` has a `..` component (refused even inside the layer)");
    }
    if (!clean.empty()) clean += '/';
    clean += component;
  }
  return clean;
}

std::string parent_of(std::string_view clean_path) {
  auto slash = clean_path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(clean_path.substr(0, slash));
}

std::string base_of(std::string_view clean_path) {
  auto slash = clean_path.rfind('/');
  return std::string(slash == std::string_view::npos ? clean_path : clean_path.substr(slash + 1));
}

}  // namespace imagebuilder::store
