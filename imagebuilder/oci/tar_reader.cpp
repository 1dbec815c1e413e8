/**
 * @file tar_reader.cpp
 * @brief Streaming a tarball's files into staging by name; see tar_reader.hpp.
 */
#include "imagebuilder/oci/tar_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::oci {

namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

/// Splits on '/' (keeping empty parts, which clean_entry_name rejects).
std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto slash = s.find('/', start);
    parts.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

/// Resolves a symlink target relative to the directory of `link` (both archive
/// names), refusing to climb above the archive root.
Result<std::string> resolve_link(const std::string& link, std::string_view target) {
  if (target.empty() || target.front() == '/') return Error("link target `" + std::string(target) + "` is absolute or empty");
  std::vector<std::string> parts;
  auto link_parts = split(link);
  for (std::size_t i = 0; i + 1 < link_parts.size(); ++i) parts.emplace_back(link_parts[i]);
  for (auto part : split(target)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return Error("link target `" + std::string(target) + "` leaves the archive");
      parts.pop_back();
    } else {
      parts.emplace_back(part);
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

/// Streams the current entry's data into a new file at `path`.
Result<void> copy_entry(archive* reader, const std::string& path) {
  minirun::sys::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", path);
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int r;
  while ((r = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
    // Sparse entries report offsets with holes; write at the offset so they stay right.
    const char* p = static_cast<const char*>(block);
    for (size_t done = 0; done < size;) {
      ssize_t n = ::pwrite(fd.get(), p + done, size - done, offset + static_cast<la_int64_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error::from_errno("write", path);
      }
      done += static_cast<size_t>(n);
    }
  }
  if (r != ARCHIVE_EOF) return Error(std::string("read entry data: ") + archive_error_string(reader));
  return minirun::sys::ok();
}

}  // namespace

const std::string* StagedArchive::find(const std::string& name) const {
  auto it = files.find(name);
  return it == files.end() ? nullptr : &it->second;
}

Result<std::string> clean_entry_name(std::string_view name) {
  std::string n(name);
  while (n.rfind("./", 0) == 0) n.erase(0, 2);
  bool directory = !n.empty() && n.back() == '/';
  if (directory) n.pop_back();
  if (n.empty()) return std::string();  // "./" itself: the root directory entry
  if (n.front() == '/') return Error("absolute entry name");
  for (auto part : split(n)) {
    if (part.empty()) return Error("empty path component");
    if (part == "..") return Error("`..` in entry name");
    if (part == ".") return Error("`.` in the middle of the entry name");
  }
  return directory ? n + "/" : n;
}

Result<StagedArchive> stage_tarball(const std::string& tarball, const std::string& staging_dir,
                                    const std::function<bool(std::string_view)>& expected, const TarLimits& limits) {
  auto fail = [&](const std::string& entry, const std::string& why) {
    return Error("tarball `" + tarball + "`" + (entry.empty() ? "" : ": entry `" + entry + "`") + ": " + why);
  };
  ArchivePtr reader(archive_read_new(), archive_read_free);
  if (!reader) return fail("", "out of memory");
  archive_read_support_filter_all(reader.get());  // a gzip'd or zstd'd outer tarball is fine
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_filename(reader.get(), tarball.c_str(), 1 << 20) != ARCHIVE_OK) {
    return fail("", archive_error_string(reader.get()));
  }
  StagedArchive staged;
  std::map<std::string, std::string> aliases;  // name -> target name
  std::size_t count = 0;
  archive_entry* entry = nullptr;
  int r;
  while ((r = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    const char* raw = archive_entry_pathname(entry);
    std::string shown = raw != nullptr ? raw : "";
    if (++count > limits.max_entries) return fail(shown, "more than " + std::to_string(limits.max_entries) + " entries");
    auto name = clean_entry_name(shown);
    if (!name) return fail(shown, name.error().message());
    if (name->empty()) continue;
    auto type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    if (type == AE_IFDIR) {
      std::string dir = name->back() == '/' ? *name : *name + "/";
      if (!expected(dir)) return fail(shown, "unexpected directory in this kind of archive");
      continue;
    }
    if (name->back() == '/') return fail(shown, "a non-directory entry whose name ends in '/'");
    if (!expected(*name)) return fail(shown, "unexpected entry (not part of an OCI layout or docker-archive)");
    if (staged.files.count(*name) != 0 || aliases.count(*name) != 0) return fail(shown, "appears twice");
    if (hardlink != nullptr || type == AE_IFLNK) {
      Result<std::string> target = hardlink != nullptr ? clean_entry_name(hardlink)
                                                       : resolve_link(*name, archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "");
      if (!target) return fail(shown, target.error().message());
      if (!expected(*target)) return fail(shown, "links to unexpected entry `" + *target + "`");
      aliases[*name] = *target;
      continue;
    }
    if (type != AE_IFREG) return fail(shown, "not a regular file, directory or link");
    std::string path = staging_dir + "/" + std::to_string(count);
    if (auto copied = copy_entry(reader.get(), path); !copied) return fail(shown, copied.error().what());
    staged.files[*name] = path;
  }
  if (r != ARCHIVE_EOF) return fail("", std::string("not a readable tar archive: ") + archive_error_string(reader.get()));
  for (const auto& [name, target] : aliases) {
    auto it = staged.files.find(target);
    if (it == staged.files.end()) return fail(name, "links to `" + target + "`, which is not a file in the archive");
    staged.files[name] = it->second;  // links to links are not followed: docker and skopeo never write them
  }
  return staged;
}

}  // namespace imagebuilder::oci
