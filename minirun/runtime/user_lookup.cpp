/**
 * @file user_lookup.cpp
 * @brief Reading passwd(5) and group(5) of a root filesystem; see user_lookup.hpp.
 */
#include "minirun/runtime/user_lookup.hpp"

#include <fcntl.h>

#include <charconv>
#include <optional>

#include "minirun/sys/file.hpp"
#include "minirun/sys/mount.hpp"
#include "minirun/sys/text.hpp"

namespace minirun::runtime {

namespace {

using sys::Error;

using sys::split;

std::optional<uint32_t> parse_id(std::string_view s) {
  uint32_t value = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

/// One line of passwd or group, split at ':'; comment and short lines are skipped.
template <class Visit>
void for_each_entry(std::string_view text, size_t min_fields, Visit visit) {
  for (std::string_view line : split(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() >= min_fields) visit(fields);
  }
}

}  // namespace

Result<ResolvedUser> resolve_user(std::string_view spec, std::string_view passwd, std::string_view group) {
  ResolvedUser user;
  if (spec.empty()) spec = "0";
  auto colon = spec.find(':');
  std::string_view user_part = spec.substr(0, colon);
  std::optional<std::string_view> group_part;
  if (colon != std::string_view::npos) group_part = spec.substr(colon + 1);
  if (user_part.empty()) return Error("user `" + std::string(spec) + "`: the user part is empty");

  // passwd: name:password:uid:gid:gecos:home:shell
  std::string user_name;
  bool found = false;
  auto numeric_uid = parse_id(user_part);
  for_each_entry(passwd, 7, [&](const std::vector<std::string_view>& f) {
    if (found) return;
    auto uid = parse_id(f[2]);
    auto gid = parse_id(f[3]);
    if (!uid || !gid) return;
    if (f[0] == user_part || (numeric_uid && *uid == *numeric_uid)) {
      found = true;
      user_name = std::string(f[0]);
      user.uid = *uid;
      user.gid = *gid;
      user.home = f[5].empty() ? "/" : std::string(f[5]);
    }
  });
  if (!found) {
    if (!numeric_uid) {
      return Error("unable to find user `" + std::string(user_part) +
                   "`: no matching entries in the image's /etc/passwd (use a numeric uid, or add the user)");
    }
    user.uid = *numeric_uid;
    user.gid = 0;
  }

  if (group_part) {
    if (group_part->empty()) return Error("user `" + std::string(spec) + "`: the group part after `:` is empty");
    auto numeric_gid = parse_id(*group_part);
    bool group_found = false;
    // group: name:password:gid:member,member
    for_each_entry(group, 3, [&](const std::vector<std::string_view>& f) {
      if (group_found) return;
      auto gid = parse_id(f[2]);
      if (gid && (f[0] == *group_part || (numeric_gid && *gid == *numeric_gid))) {
        group_found = true;
        user.gid = *gid;
      }
    });
    if (!group_found) {
      if (!numeric_gid) {
        return Error("unable to find group `" + std::string(*group_part) +
                     "`: no matching entries in the image's /etc/group");
      }
      user.gid = *numeric_gid;
    }
    return user;  // an explicit group replaces the supplementary list, as in Docker
  }

  if (!user_name.empty()) {
    for_each_entry(group, 4, [&](const std::vector<std::string_view>& f) {
      auto gid = parse_id(f[2]);
      if (!gid || *gid == user.gid) return;
      for (std::string_view member : split(f[3], ',')) {
        if (member == user_name) {
          user.additional_gids.push_back(*gid);
          break;
        }
      }
    });
  }
  return user;
}

Result<ResolvedUser> resolve_user_in_rootfs(const std::string& rootfs, std::string_view spec) {
  auto root = sys::open_file(rootfs, O_PATH | O_DIRECTORY);
  if (!root) return std::move(root.error()).context("resolve user `" + std::string(spec) + "`");
  // A missing file is fine (scratch images have none); anything else is an error.
  auto read_inside = [&](const std::string& path) -> Result<std::string> {
    auto fd = sys::open_in_root(root->get(), path, sys::CreateAs::nothing, path);
    if (!fd) {
      if (fd.error().code() == ENOENT) return std::string();
      return std::move(fd.error());
    }
    return sys::read_file(sys::fd_path(fd->get()));
  };
  auto passwd = read_inside("/etc/passwd");
  if (!passwd) return std::move(passwd.error()).context("resolve user `" + std::string(spec) + "`");
  auto group = read_inside("/etc/group");
  if (!group) return std::move(group.error()).context("resolve user `" + std::string(spec) + "`");
  return resolve_user(spec, *passwd, *group);
}

}  // namespace minirun::runtime
