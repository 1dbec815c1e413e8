/**
 * @file tar_writer.hpp
 * @brief Writing the outer tarball of `save`: a few JSON files and many large blobs.
 *
 * A thin layer over libarchive's writer. Entries are written in the POSIX pax format
 * (which Docker, skopeo and GNU tar all read) with fixed owner (0:0), mode 0644 and
 * modification time 0, so saving the same images twice gives the same bytes. Files
 * are streamed in 1 MiB chunks; a multi-gigabyte layer never sits in memory.
 *
 * The tarball is written to `<path>.partial` and renamed to `<path>` only by finish(),
 * so an interrupted save never leaves a truncated tarball under the name the learner
 * asked for; the destructor removes an unfinished `.partial` file.
 *
 * Man pages: tar(5), archive_write(3).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

struct archive;

namespace imagebuilder::oci {

using minirun::sys::Error;
using minirun::sys::Result;

class TarWriter {
 public:
  /// Starts `<path>.partial`; `gzip` compresses the whole tarball.
  static Result<TarWriter> create(const std::string& path, bool gzip = false);
  TarWriter(TarWriter&&) noexcept;
  TarWriter& operator=(TarWriter&&) = delete;
  ~TarWriter();

  Result<void> add_directory(const std::string& name);
  Result<void> add_bytes(const std::string& name, std::string_view bytes);
  /// Streams the file at `path` into the entry `name`.
  Result<void> add_file(const std::string& name, const std::string& path);
  /// Closes the archive and renames it to its final name.
  Result<void> finish();

 private:
  TarWriter(std::string path, archive* a) : path_(std::move(path)), archive_(a) {}
  Result<void> header(const std::string& name, unsigned type, std::int64_t size);
  std::string partial() const { return path_ + ".partial"; }

  std::string path_;
  archive* archive_ = nullptr;
  bool finished_ = false;
};

}  // namespace imagebuilder::oci
