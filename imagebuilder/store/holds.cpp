/**
 * @file holds.cpp
 * @brief Hold files under `<root>/holds/`; see holds.hpp.
 */
#include "imagebuilder/store/holds.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "imagebuilder/store/directory_listing.hpp"
#include "imagebuilder/store/store_lock.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

Result<void> validate_holder(std::string_view holder) {
  std::string h(holder);
  if (holder.empty() || holder.size() > 255) return Error("holder `" + h + "`: must be 1 to 255 bytes");
  if (holder == "." || holder == "..") return Error("holder `" + h + "`: not a valid name");
  for (char c : holder) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Error("holder `" + h + "`: may not contain '/' or control characters");
    }
  }
  return minirun::sys::ok();
}

std::string release_advice(std::string_view holder) {
  auto colon = holder.find(':');
  auto kind = holder.substr(0, colon);
  auto name = colon == std::string_view::npos ? holder : holder.substr(colon + 1);
  if (colon != std::string_view::npos && kind == "container") {
    return "stop and remove container " + std::string(name) + " first";
  }
  if (colon != std::string_view::npos && kind == "build") return "wait for build " + std::string(name) + " to end first";
  return "release `" + std::string(holder) + "` first";
}

Result<void> Holds::add(const Digest& image_id, std::string_view holder) const {
  MINIRUN_TRY(validate_holder(holder), "add hold");
  MINIRUN_TRY(minirun::sys::make_directories(image_dir(image_id)), "add hold");
  std::string path = image_dir(image_id) + "/" + std::string(holder);
  minirun::sys::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return Error::from_errno("open", path).context("add hold");
  return minirun::sys::ok();
}

Result<void> Holds::remove(const Digest& image_id, std::string_view holder) const {
  MINIRUN_TRY(validate_holder(holder), "remove hold");
  std::string path = image_dir(image_id) + "/" + std::string(holder);
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return Error::from_errno("unlink", path).context("remove hold");
  // The image's directory stays, empty, until the image goes (forget()): a container
  // start and removal would otherwise make and delete it every time, and on some disks
  // each of those is a synchronous write.
  return minirun::sys::ok();
}

void Holds::forget(const Digest& image_id) const {
  // Fails harmlessly: ENOENT (never held), ENOTEMPTY (a forced rmi of a held image).
  (void)::rmdir(image_dir(image_id).c_str());
}

Result<std::vector<std::string>> Holds::list(const Digest& image_id) const {
  auto names = list_directory(image_dir(image_id));
  if (!names) return std::move(names.error());
  std::sort(names->begin(), names->end());
  return names;
}

Result<void> release_hold(const std::string& store_root, const Digest& image_id, std::string_view holder) {
  auto lock = StoreLock::acquire(store_lock_path(store_root));
  if (!lock) return std::move(lock.error());
  return Holds(store_root).remove(image_id, holder);
}

}  // namespace imagebuilder::store
