/**
 * @file load_verify.cpp
 * @brief The checks every loaded blob and layer passes; see load_plan.hpp.
 */
#include <sys/stat.h>

#include "imagebuilder/oci/load_plan.hpp"
#include "imagebuilder/store/compression.hpp"
#include "imagebuilder/store/image_store.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::oci {

Result<std::string> read_staged_small(const StagedArchive& archive, const std::string& name, const std::string& tarball) {
  const std::string* staged = archive.find(name);
  if (staged == nullptr) return Error("tarball `" + tarball + "`: no entry `" + name + "`");
  struct stat st {};
  if (::stat(staged->c_str(), &st) < 0) return Error::from_errno("stat", *staged);
  if (static_cast<std::uint64_t>(st.st_size) > store::kMaxJsonBlobBytes) {
    return Error("tarball `" + tarball + "`: entry `" + name + "` is " + std::to_string(st.st_size) +
                 " bytes, too big for a JSON document");
  }
  auto bytes = minirun::sys::read_file(*staged);
  if (!bytes) return std::move(bytes.error()).context("tarball `" + tarball + "`: entry `" + name + "`");
  return bytes;
}

Result<VerifiedBlob> verify_blob(const std::string& staged, const std::string& entry, std::string media_type,
                                 const std::optional<store::Digest>& expected,
                                 const std::optional<std::uint64_t>& expected_size) {
  auto digest = store::digest_file(staged);
  if (!digest) return std::move(digest.error()).context("entry `" + entry + "`");
  if (expected && !(*expected == *digest)) {
    return Error("entry `" + entry + "`: content hashes to " + digest->str() + ", but " + expected->str() +
                 " was expected (corrupt or tampered)");
  }
  struct stat st {};
  if (::stat(staged.c_str(), &st) < 0) return Error::from_errno("stat", staged);
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (expected_size && *expected_size != size) {
    return Error("entry `" + entry + "`: " + std::to_string(size) + " bytes, but its descriptor says " +
                 std::to_string(*expected_size));
  }
  return VerifiedBlob{staged, store::Descriptor{std::move(media_type), *digest, size, {}}};
}

Result<void> verify_layer(VerifiedBlob& layer, const std::string& entry, const store::Digest& diff_id) {
  auto info = store::uncompressed_digest(layer.staged);
  if (!info) return std::move(info.error()).context("entry `" + entry + "`");
  if (!(info->diff_id == diff_id)) {
    return Error("entry `" + entry + "`: layer decompresses to " + info->diff_id.str() + ", but the config's diff_id is " +
                 diff_id.str() + " (wrong or tampered layer)");
  }
  if (layer.descriptor.media_type.empty()) {
    auto type = store::layer_media_type_for(info->compression);
    if (!type) return std::move(type.error()).context("entry `" + entry + "`");
    layer.descriptor.media_type = *type;
  }
  return minirun::sys::ok();
}

}  // namespace imagebuilder::oci
