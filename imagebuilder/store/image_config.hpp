/**
 * @file image_config.hpp
 * @brief The image config: what a container of this image runs, and which layers make its rootfs.
 *
 * Every image has one config blob, a JSON document with three jobs:
 *
 *  1. *Runtime defaults* (`config`): the user, environment, entrypoint and command,
 *     working directory, exposed ports, volumes, labels, stop signal and healthcheck
 *     that `minirun run` starts from, before its flags override them. The field names
 *     are Docker's capitalized Go names (`Env`, `Cmd`, `WorkingDir`), which the OCI
 *     spec adopted; Healthcheck durations are nanoseconds, as Docker writes them.
 *  2. *The filesystem* (`rootfs.diff_ids`): the digest of each layer's uncompressed
 *     tar, bottom layer first. Unlike the manifest's blob digests these do not change
 *     when a layer is recompressed, so they identify the content itself.
 *  3. *Provenance* (`history`): one entry per Dockerfile step, newest last;
 *     `empty_layer: true` marks steps (ENV, CMD, ...) that made no layer.
 *
 * The SHA-256 of the config bytes is the **image id** (Docker's `IMAGE ID` column): it
 * covers the rootfs (through diff_ids) and everything a container would inherit, but
 * not the compression of the layers. So the bytes matter: to_canonical_json() always
 * writes the same config the same way (keys sorted, no spaces, empty fields left out),
 * and a config read from a tarball is stored with its original bytes, never rewritten.
 *
 * parse() treats its input as hostile (it comes from tarballs): it applies
 * json_limits.hpp's caps (8 MiB, 64 KiB strings, 10,000 entries) and checks each
 * field, naming it in the error: wrong JSON types, a `User` with control characters,
 * more than one ':' or over 256 characters, `Volumes` that are not clean absolute
 * paths, `Env` entries without '=', a rootfs type other than `layers`, diff_ids that
 * are not digests, and a history whose non-empty entries do not match the layers (as
 * Docker refuses). Fields the kit does not use (Docker's `Hostname`, `ArgsEscaped`,
 * `container_config`, ...) are accepted and ignored.
 *
 * Specs: OCI image-spec `config.md`; Docker "Image JSON Description" v1.2.
 * Lab: labs/01-image-and-container (`imagebuilder inspect`, then sha256sum the config blob).
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

/// Docker's HEALTHCHECK settings; durations in nanoseconds, 0 meaning "the default".
struct Healthcheck {
  std::vector<std::string> test;  ///< ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]
  std::int64_t interval = 0;
  std::int64_t timeout = 0;
  std::int64_t start_period = 0;
  std::int64_t start_interval = 0;
  int retries = 0;
};

/// The runtime defaults (`config` in the JSON).
struct ContainerConfig {
  std::string user;
  std::set<std::string> exposed_ports;  ///< "80/tcp", "53/udp"
  std::vector<std::string> env;         ///< "NAME=value"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::set<std::string> volumes;  ///< absolute paths
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::optional<Healthcheck> healthcheck;
  std::vector<std::string> on_build;
  std::vector<std::string> shell;
};

/// One step of the image's history.
struct HistoryEntry {
  std::string created;  ///< RFC 3339
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

/// An image config.
struct ImageConfig {
  std::string architecture = host_architecture();
  std::string os = "linux";
  std::string created;  ///< RFC 3339, e.g. "2024-05-01T12:00:00Z"
  std::string author;
  ContainerConfig config;
  std::vector<Digest> diff_ids;  ///< rootfs.diff_ids, bottom layer first
  std::vector<HistoryEntry> history;

  /// The GOARCH name of the machine the kit was built for ("amd64", "arm64", ...).
  static std::string host_architecture();

  nlohmann::json to_json() const;
  /// The bytes whose digest is the image id; equal configs give equal bytes.
  std::string to_canonical_json() const;

  /// Parses and validates untrusted config bytes; `where` (e.g. "config `x.json`")
  /// starts every error, which then names the offending field.
  static Result<ImageConfig> parse(std::string_view bytes, std::string_view where);
};

}  // namespace imagebuilder::store
