/**
 * @file base_images.cpp
 * @brief The built-in busybox image and `import`; see base_images.hpp.
 */
#include "imagebuilder/build/base_images.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "imagebuilder/build/commit_layer.hpp"
#include "imagebuilder/store/compression.hpp"
#include "imagebuilder/store/layer_unpack.hpp"
#include "imagebuilder/store/staging.hpp"
#include "imagebuilder/store/unpacked_layers.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;

namespace {

std::string rfc3339(std::time_t t) {
  char text[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

/// The applet names the binary provides (`busybox --list`).
Result<std::vector<std::string>> busybox_applets(const std::string& binary) {
  std::string command = "'" + binary + "' --list";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return Error::from_errno("popen", command);
  std::vector<std::string> applets;
  char line[256];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::string name(line);
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
    // Applet names are plain words; anything else would be a path in our tree.
    if (!name.empty() && name != "busybox" && name.find('/') == std::string::npos && name[0] != '.') {
      applets.push_back(name);
    }
  }
  int status = ::pclose(pipe);
  if (status != 0 || applets.empty()) {
    return Error("`" + command + "` failed: is Debian's busybox-static installed? (scripts/setup.sh installs it)");
  }
  return applets;
}

/// The busybox root filesystem, as scripts/make-busybox-rootfs.sh makes it.
Result<void> make_busybox_tree(const std::string& tree, const std::string& binary, std::time_t mtime) {
  namespace sys = minirun::sys;
  auto applets = busybox_applets(binary);
  if (!applets) return std::move(applets.error());
  for (const char* dir : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home", "var", "usr"}) {
    MINIRUN_TRY(sys::make_directories(tree + "/" + dir, 0755), "busybox image");
  }
  ::chmod((tree + "/tmp").c_str(), 01777);
  ::chmod((tree + "/root").c_str(), 0700);
  auto bytes = sys::read_file(binary);
  if (!bytes) return std::move(bytes.error()).context("busybox image");
  MINIRUN_TRY(sys::write_file(tree + "/bin/busybox", *bytes, O_WRONLY | O_CREAT | O_TRUNC, 0755), "busybox image");
  std::vector<std::string> links;
  for (const auto& applet : *applets) links.push_back("bin/" + applet);
  struct Link {
    const char* target;
    const char* path;
  };
  for (const auto& applet : *applets) {
    if (::symlink("busybox", (tree + "/bin/" + applet).c_str()) != 0 && errno != EEXIST) {
      return Error::from_errno("symlink", tree + "/bin/" + applet);
    }
  }
  for (Link link : {Link{"bin", "sbin"}, Link{"../bin", "usr/bin"}, Link{"../bin", "usr/sbin"}}) {
    if (::symlink(link.target, (tree + "/" + link.path).c_str()) != 0) {
      return Error::from_errno("symlink", tree + "/" + link.path);
    }
    links.push_back(link.path);
  }
  MINIRUN_TRY(sys::write_file(tree + "/etc/passwd",
                              "root:x:0:0:root:/root:/bin/sh\n"
                              "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                              "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
              "busybox image");
  MINIRUN_TRY(sys::write_file(tree + "/etc/group", "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"), "busybox image");
  // Every entry gets the binary's mtime: the layer's bytes, and so the image id, depend
  // only on the busybox package, not on when the image was made.
  timespec times[2] = {{mtime, 0}, {mtime, 0}};
  std::vector<std::string> all = {"bin/busybox", "etc/passwd", "etc/group"};
  all.insert(all.end(), links.begin(), links.end());
  for (const char* dir : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home", "var", "usr", "."}) {
    all.push_back(dir);
  }
  for (const auto& path : all) {
    if (::utimensat(AT_FDCWD, (tree + "/" + path).c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return Error::from_errno("utimensat", tree + "/" + path);
    }
  }
  return minirun::sys::ok();
}

}  // namespace

bool is_builtin_busybox(std::string_view name) { return name == "busybox" || name == "busybox:latest"; }

Result<store::Image> ensure_busybox_image(store::ImageStore& store, const std::string& busybox_binary) {
  if (auto existing = store.resolve(kBusyboxImage)) return existing;
  struct stat st {};
  if (::stat(busybox_binary.c_str(), &st) != 0) {
    return Error("the built-in busybox image needs `" + busybox_binary +
                 "` (Debian package busybox-static; scripts/setup.sh installs it)");
  }
  auto staging = store::StagingDir::create(store.root() + "/tmp", "busybox-");
  if (!staging) return std::move(staging.error());
  std::string tree = staging->path() + "/tree";
  MINIRUN_TRY(make_busybox_tree(tree, busybox_binary, st.st_mtime), "make the busybox image");
  auto layer = commit_layer(store, tree);
  if (!layer) return std::move(layer.error()).context("make the busybox image");

  store::ImageConfig config;
  config.created = rfc3339(st.st_mtime);
  config.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  config.config.cmd = {"sh"};
  config.diff_ids = {layer->diff_id};
  config.history.push_back({config.created, "imagebuilder: busybox from Debian's busybox-static (" + busybox_binary + ")",
                            "", "built in: no download", false});
  auto ref = store::Reference::parse(kBusyboxImage);
  if (!ref) return std::move(ref.error());
  return store.commit(config, {layer->blob}, {*ref});
}

Result<store::Image> import_rootfs(store::ImageStore& store, const std::string& tar_path, const store::Reference& ref,
                                   const std::vector<std::string>& command) {
  auto info = store::uncompressed_digest(tar_path);
  if (!info) return std::move(info.error()).context("import");
  // Unpacked first: a tarball with `../` entries or links out is refused here, before
  // it becomes an image.
  auto staging = store::StagingDir::create(store.root() + "/tmp", "import-");
  if (!staging) return std::move(staging.error());
  std::string tree = staging->path() + "/tree";
  auto stats = store::unpack_layer(tar_path, tree);
  if (!stats) return std::move(stats.error()).context("import `" + tar_path + "`");

  std::string media(store::media_type::kOciLayer);
  if (info->compression == "gzip") media = std::string(store::media_type::kOciLayerGzip);
  else if (info->compression == "zstd") media = std::string(store::media_type::kOciLayerZstd);
  else if (info->compression != "none") {
    return Error("import `" + tar_path + "`: " + info->compression + " compression cannot be stored as an OCI layer; use gzip, zstd or none");
  }
  // The store moves files it is given when it can; a hard link in the staging dir is
  // what it moves, so the user's tarball stays where it was (on another filesystem
  // link(2) fails with EXDEV and the store copies the original instead).
  std::string source = tar_path;
  std::string linked = staging->path() + "/blob";
  if (::link(tar_path.c_str(), linked.c_str()) == 0) source = linked;
  auto blob = store.put_blob_file(source, media);
  if (!blob) return std::move(blob.error()).context("import");
  auto adopted = store::adopt_unpacked(store, info->diff_id, tree);
  if (!adopted) return std::move(adopted.error()).context("import");

  store::ImageConfig config;
  config.created = rfc3339(std::time(nullptr));
  config.config.cmd = command;
  config.diff_ids = {info->diff_id};
  config.history.push_back({config.created, "imagebuilder import " + tar_path, "", "imported", false});
  return store.commit(config, {*blob}, {ref});
}

}  // namespace imagebuilder::build
