/**
 * @file layer_test_support.hpp
 * @brief What the layer tests share: self-removing temp dirs, a crafted-tar builder,
 * and a snapshot of a directory tree to compare before and after.
 *
 * Hostile layers cannot be made with a normal `tar` command (it refuses `..` and
 * absolute names, or cleans them), so TarBuilder writes exactly the entries a test
 * asks for through libarchive's writer. tree_snapshot() lists a tree (types, modes,
 * owners, sizes, content hashes, link targets, mtimes) so a test can assert that a
 * victim directory next to the target is byte-for-byte untouched.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "imagebuilder/store/digest.hpp"
#include "imagebuilder/store/layer_archive.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::store::testing {

/// A fresh directory under /tmp, removed with everything in it on destruction (also
/// when the test failed half-way). Directories are made writable first, so a test
/// tree with a 0555 directory can still be removed by a normal user.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/layer-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (path_.empty()) return;
    ::nftw(
        path_.c_str(),
        [](const char* p, const struct stat* st, int type, FTW*) {
          if (type == FTW_D || type == FTW_DNR) ::chmod(p, (st->st_mode & 07777) | 0700);
          return 0;
        },
        16, FTW_PHYS | FTW_MOUNT);
    (void)minirun::sys::remove_tree(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_text(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Writes a tar entry by entry, exactly as told (no cleaning of names).
class TarBuilder {
 public:
  /// `filter`: "" (plain), "gzip" or "zstd".
  explicit TarBuilder(const std::string& path, const std::string& filter = "") : writer_(archive_write_new()) {
    archive_write_set_format_pax_restricted(writer_.get());
    if (filter == "gzip") archive_write_add_filter_gzip(writer_.get());
    if (filter == "zstd") archive_write_add_filter_zstd(writer_.get());
    ok_ = archive_write_open_filename(writer_.get(), path.c_str()) == ARCHIVE_OK;
  }
  ~TarBuilder() { close(); }
  bool ok() const { return ok_; }

  TarBuilder& file(const std::string& name, const std::string& content, mode_t mode = 0644,
                   std::vector<std::pair<std::string, std::string>> xattrs = {}) {
    ArchiveEntry e = base(name, AE_IFREG, mode);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    for (const auto& [k, v] : xattrs) archive_entry_xattr_add_entry(e.get(), k.c_str(), v.data(), v.size());
    header(e.get());
    if (!content.empty()) archive_write_data(writer_.get(), content.data(), content.size());
    return *this;
  }
  TarBuilder& dir(const std::string& name, mode_t mode = 0755) {
    ArchiveEntry e = base(name, AE_IFDIR, mode);
    header(e.get());
    return *this;
  }
  TarBuilder& symlink(const std::string& name, const std::string& target) {
    ArchiveEntry e = base(name, AE_IFLNK, 0777);
    archive_entry_set_symlink(e.get(), target.c_str());
    header(e.get());
    return *this;
  }
  TarBuilder& hardlink(const std::string& name, const std::string& target) {
    ArchiveEntry e = base(name, AE_IFREG, 0644);
    archive_entry_set_hardlink(e.get(), target.c_str());
    header(e.get());
    return *this;
  }
  TarBuilder& device(const std::string& name, mode_t type, unsigned major, unsigned minor) {
    ArchiveEntry e = base(name, type, 0600);
    archive_entry_set_rdev(e.get(), makedev(major, minor));
    header(e.get());
    return *this;
  }
  TarBuilder& fifo(const std::string& name) {
    ArchiveEntry e = base(name, AE_IFIFO, 0644);
    header(e.get());
    return *this;
  }
  TarBuilder& owner(unsigned uid, unsigned gid) {
    uid_ = uid;
    gid_ = gid;
    return *this;
  }
  void close() {
    if (writer_ && archive_write_close(writer_.get()) != ARCHIVE_OK) ok_ = false;
    writer_.reset();
  }

 private:
  ArchiveEntry base(const std::string& name, mode_t type, mode_t mode) {
    ArchiveEntry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_uid(e.get(), uid_);
    archive_entry_set_gid(e.get(), gid_);
    archive_entry_set_mtime(e.get(), 1700000000, 0);
    return e;
  }
  void header(archive_entry* e) {
    if (archive_write_header(writer_.get(), e) < ARCHIVE_WARN) ok_ = false;
  }
  ArchiveWriter writer_;
  bool ok_ = false;
  unsigned uid_ = 0;
  unsigned gid_ = 0;
};

/// One line per entry below `root`, sorted: path, type, mode, owner, size, content
/// hash or link target, mtime, and for a hardlinked inode the first name it has.
inline std::string tree_snapshot(const std::string& root) {
  std::vector<std::string> lines;
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;
  std::vector<std::string> stack{""};
  while (!stack.empty()) {
    std::string rel = stack.back();
    stack.pop_back();
    std::string dir_path = rel.empty() ? root : root + "/" + rel;
    DIR* d = ::opendir(dir_path.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> names;
    while (dirent* ent = ::readdir(d)) {
      std::string n = ent->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      std::string child = rel.empty() ? n : rel + "/" + n;
      std::string full = root + "/" + child;
      struct stat st {};
      if (::lstat(full.c_str(), &st) < 0) continue;
      std::ostringstream line;
      line << child << " mode=" << std::oct << st.st_mode << std::dec << " owner=" << st.st_uid << ":" << st.st_gid;
      if (S_ISREG(st.st_mode)) {
        line << " size=" << st.st_size << " sha=" << digest_of(read_text(full)).short_id();
      } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n2 = ::readlink(full.c_str(), target, sizeof target);
        line << " -> " << std::string(target, n2 > 0 ? static_cast<std::size_t>(n2) : 0);
      } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        line << " rdev=" << major(st.st_rdev) << "," << minor(st.st_rdev);
      }
      line << " mtime=" << st.st_mtim.tv_sec;
      if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        auto [it, first] = first_name.try_emplace({st.st_dev, st.st_ino}, child);
        line << " inode-of=" << it->second;
      }
      lines.push_back(line.str());
      if (S_ISDIR(st.st_mode)) stack.push_back(child);
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

/// The entry names of a tar, in order, with their type letter ("d etc/", "f etc/passwd",
/// "l bin -> usr/bin", "h b => a").
inline std::vector<std::string> tar_listing(const std::string& path) {
  std::vector<std::string> out;
  ArchiveReader r(archive_read_new());
  archive_read_support_filter_all(r.get());
  archive_read_support_format_tar(r.get());
  if (archive_read_open_filename(r.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) return {"<cannot open>"};
  archive_entry* e = nullptr;
  while (archive_read_next_header(r.get(), &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    if (const char* h = archive_entry_hardlink(e)) {
      out.push_back("h " + name + " => " + h);
    } else if (archive_entry_filetype(e) == AE_IFDIR) {
      out.push_back("d " + name);
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      out.push_back("l " + name + " -> " + archive_entry_symlink(e));
    } else if (archive_entry_filetype(e) == AE_IFREG) {
      out.push_back("f " + name);
    } else {
      out.push_back("o " + name);
    }
  }
  return out;
}

}  // namespace imagebuilder::store::testing
