/**
 * @file reference.hpp
 * @brief Image references: the `busybox:latest`, `localhost:5000/team/app:1.0` a learner types.
 *
 * A reference names an image the way a person thinks of it: a repository (where the
 * image lives and what it is called) and a tag (which version). Docker's grammar, from
 * the `distribution/reference` package, is, simplified:
 *
 *     reference  := [domain "/"] path [":" tag] ["@" digest]
 *     domain     := host [":" port]          host: letters, digits, '-' in '.'-separated parts
 *     path       := component ("/" component)*
 *     component  := [a-z0-9]+ (separator [a-z0-9]+)*   separator: '.', '_', '__' or '-'+
 *     tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The first part before a '/' is a domain only when it looks like one (contains '.' or
 * ':', or is `localhost`); otherwise it is the first path component, which is how
 * `library/busybox` and `localhost/app` both make sense. A missing tag means `latest`.
 *
 * What is deliberately simpler than Docker: Docker's own canonical form puts every
 * short name under `docker.io/library/`. The kit has no registry, so it does the
 * opposite: `docker.io/library/busybox` and `index.docker.io/library/busybox` normalize
 * to `busybox`, and `docker.io/team/app` to `team/app`. The name stored in the image
 * index (`org.opencontainers.image.ref.name`) is the short form, `busybox:latest`.
 *
 * Specs: distribution/reference `reference.go` (the grammar), OCI image-spec
 * `annotations.md` (ref.name). Lab: labs/01-image-and-container (`imagebuilder tag`).
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

/// A parsed, normalized image reference.
struct Reference {
  std::string domain;  ///< "" or a registry host, e.g. `localhost:5000`
  std::string path;    ///< e.g. `busybox`, `team/app`
  std::string tag = "latest";  ///< empty only for `name@digest` without a tag
  std::optional<Digest> digest;  ///< set for `name@sha256:...`

  /// Parses and normalizes `text`; the error names the reference and what is wrong.
  static Result<Reference> parse(std::string_view text);

  /// The repository: `domain/path`, or `path` alone without a domain.
  std::string repository() const;
  /// `repository:tag` (plus `@digest` when there is one): the form stored as
  /// `org.opencontainers.image.ref.name`.
  std::string str() const;

  friend bool operator==(const Reference& a, const Reference& b) {
    return a.domain == b.domain && a.path == b.path && a.tag == b.tag && a.digest == b.digest;
  }
};

/// Checks a tag alone (what `--tag`-like options take after the ':').
Result<void> validate_tag(std::string_view tag);

}  // namespace imagebuilder::store
