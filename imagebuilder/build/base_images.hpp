/**
 * @file base_images.hpp
 * @brief Where the first layer comes from when nothing can be downloaded.
 *
 * `FROM` needs an image to start from, and a classroom VM may have no registry to pull
 * one from. The kit offers three offline starting points:
 *
 * - `FROM scratch`: no layer at all (the image is only what the Dockerfile adds);
 * - the built-in `busybox` image: made on first use from Debian's `busybox-static`
 *   package (one static binary plus a symlink per applet, and a minimal /etc), so
 *   `RUN` has a shell. Its files get the binary's mtime, so the same package gives the
 *   same layer digest, and therefore the same image id, on every machine;
 * - `imagebuilder import ROOTFS.tar NAME:TAG`: any root filesystem tarball (e.g. from
 *   `debootstrap` or `docker export`) as a one-layer image. Its entries are checked by
 *   the safe unpacker before the image is recorded.
 *
 * Lab: labs/06-layers-overlayfs (`imagebuilder history busybox`).
 */
#pragma once

#include <string>

#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::build {

using minirun::sys::Result;

/// The name of the built-in base image.
inline constexpr const char* kBusyboxImage = "busybox:latest";

/// True when `name` means the built-in busybox image (`busybox`, `busybox:latest`).
bool is_builtin_busybox(std::string_view name);

/// Returns busybox:latest, making it from `busybox_binary` first when the store lacks it.
Result<store::Image> ensure_busybox_image(store::ImageStore& store,
                                          const std::string& busybox_binary = "/bin/busybox");

/// `import`: stores the rootfs tarball at `tar_path` (plain or compressed) as a
/// one-layer image tagged `ref`, with `command` as its CMD (may be empty).
Result<store::Image> import_rootfs(store::ImageStore& store, const std::string& tar_path,
                                   const store::Reference& ref, const std::vector<std::string>& command = {});

}  // namespace imagebuilder::build
