// What the store and oci unit tests share: a self-removing temp directory, and tiny
// images made of fake layers (the store never looks inside a layer, so any bytes do).
#pragma once

#include <stdlib.h>

#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::store::testing {

/// mkdtemp under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/imagestore-test-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty()) (void)minirun::sys::remove_tree(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Stores `content` as an uncompressed layer blob; its diff_id is its digest.
inline Descriptor fake_layer(ImageStore& store, const std::string& content) {
  auto d = store.put_blob(content, std::string(media_type::kOciLayer));
  return d ? *d : Descriptor{};
}

/// A config for `layers` (uncompressed fake layers), with one history step per layer.
inline ImageConfig config_for(const std::vector<Descriptor>& layers, const std::string& created = "2024-01-01T00:00:00Z",
                              const std::string& author = "") {
  ImageConfig c;
  c.architecture = "amd64";
  c.created = created;
  c.author = author;
  c.config.cmd = {"/bin/sh"};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    c.diff_ids.push_back(layers[i].digest);
    c.history.push_back({created, "ADD layer" + std::to_string(i), "", "", false});
  }
  return c;
}

/// Commits an image of one fake layer with `content`, tagged `tags`.
inline Result<Image> make_image(ImageStore& store, const std::string& content, const std::vector<std::string>& tags,
                                const std::string& created = "2024-01-01T00:00:00Z") {
  std::vector<Descriptor> layers{fake_layer(store, content)};
  std::vector<Reference> refs;
  for (const auto& t : tags) refs.push_back(Reference::parse(t).value());
  return store.commit(config_for(layers, created), layers, refs);
}

}  // namespace imagebuilder::store::testing
