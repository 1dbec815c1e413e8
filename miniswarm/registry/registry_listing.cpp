/**
 * @file registry_listing.cpp
 * @brief The catalog and tag listings (registry_listing.hpp).
 */
#include "miniswarm/registry/registry_listing.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace miniswarm::registry {

namespace {
/// How `imagebuilder images` shows the missing name or tag of an untagged image.
constexpr const char* kNone = "<none>";
}  // namespace

std::vector<std::string> repositories(const std::vector<imagebuilder::store::ImageSummary>& rows) {
  std::set<std::string> names;
  for (const auto& row : rows) {
    if (row.repository != kNone) names.insert(row.repository);
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> tags_of(const std::vector<imagebuilder::store::ImageSummary>& rows,
                                 const std::string& repository) {
  std::set<std::string> tags;
  for (const auto& row : rows) {
    if (row.repository == repository && row.tag != kNone) tags.insert(row.tag);
  }
  return {tags.begin(), tags.end()};
}

Page page_of(const std::vector<std::string>& sorted, std::optional<std::size_t> n, const std::string& last) {
  auto from = last.empty() ? sorted.begin() : std::upper_bound(sorted.begin(), sorted.end(), last);
  auto available = static_cast<std::size_t>(sorted.end() - from);
  std::size_t take = n ? std::min(*n, available) : available;
  Page page;
  page.entries.assign(from, from + static_cast<std::ptrdiff_t>(take));
  page.more = take < available;
  return page;
}

std::string catalog_body(const std::vector<std::string>& names) {
  return nlohmann::json{{"repositories", names}}.dump();
}

std::string tags_list_body(const std::string& name, const std::vector<std::string>& tags) {
  return nlohmann::json{{"name", name}, {"tags", tags}}.dump();
}

}  // namespace miniswarm::registry
