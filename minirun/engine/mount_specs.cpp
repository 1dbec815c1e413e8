/**
 * @file mount_specs.cpp
 * @brief `-v`, `--mount` and `--tmpfs` to MountSpec; see mount_specs.hpp.
 *
 * The checks are the ones Docker's CLI and daemon make, done at once so that a bad
 * spec is refused before a container directory exists:
 *  - `-v` options: at most one of each kind (ro/rw, z/Z, a propagation, nocopy, a
 *    macOS consistency word); `nocopy` only for volumes, a propagation only for binds;
 *  - `--mount`: every key known (a typo such as `readonlyy` is an error, not ignored),
 *    `bind-*`/`volume-*`/`tmpfs-*` keys only with their type, a bind needs a source, a
 *    tmpfs may not have one;
 *  - `--tmpfs` options: mount(8) flag words and tmpfs(5) `key=value` options only.
 */
#include "minirun/engine/mount_specs.hpp"

#include <cctype>

#include "minirun/engine/flag_values.hpp"
#include "minirun/sys/text.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

constexpr std::string_view kBind = "bind", kVolume = "volume", kTmpfs = "tmpfs";
constexpr std::string_view kDefaultPropagation = "rprivate";

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> words) {
  for (std::string_view candidate : words)
    if (word == candidate) return true;
  return false;
}

bool is_propagation(std::string_view word) {
  return is_one_of(word, {"rprivate", "private", "rshared", "shared", "rslave", "slave"});
}

using sys::split;

/// Lexical clean of an absolute path, as Go's path.Clean: `//a/./b/../c/` -> `/a/c`.
/// No symlink is followed (the path names something inside a rootfs that is not there yet).
std::string clean_absolute_path(std::string_view path) {
  std::vector<std::string_view> kept;
  for (std::string_view part : split(path, '/')) {
    if (part == "..") {
      if (!kept.empty()) kept.pop_back();  // ".." at the root stays at the root
    } else if (!part.empty() && part != ".") {
      kept.push_back(part);
    }
  }
  std::string out;
  for (std::string_view part : kept) out += "/" + std::string(part);
  return out.empty() ? "/" : out;
}

/// The target must be absolute and, once cleaned, not `/` (that would hide the rootfs).
/// Returns the reason it is bad, or "" after storing the cleaned path.
std::string take_target(std::string_view target, MountSpec& into) {
  if (target.empty()) return "the target path is missing";
  if (target.front() != '/')
    return "the target \"" + std::string(target) + "\" must be an absolute path inside the container (e.g. /data)";
  into.target = clean_absolute_path(target);
  if (into.target == "/") return "the target cannot be \"/\"; mount onto a directory such as /data";
  return "";
}

/// Why `source` cannot name a host directory or a volume, or "" if it can.
std::string check_volume_source(std::string_view source) {
  if (source.front() == '.' || source.front() == '~' || source.find('/') != std::string_view::npos)
    return "\"" + std::string(source) + "\" is a relative path; use an absolute path for a host directory (e.g. $PWD/" +
           std::string(source.substr(source.rfind('/') + 1)) + ")";
  if (!is_valid_volume_name(source))
    return "\"" + std::string(source) +
           "\" is not a valid volume name (use letters, digits and _ . -, starting with a letter or digit, two "
           "characters or more), nor an absolute host path";
  return "";
}

/// What the `-v` option list said.
struct VolumeOptions {
  bool read_only = false;
  std::string propagation;
  bool nocopy = false;
};

/// `ro,rshared` -> VolumeOptions; the error text is the reason only.
Result<VolumeOptions> parse_volume_options(std::string_view text) {
  VolumeOptions options;
  if (text.empty()) return options;  // "a:/b:" is "a:/b", as in Docker
  int access = 0, label = 0, propagation = 0, copy = 0, consistency = 0;
  for (std::string_view word : split(text, ',')) {
    if (word == "ro" || word == "rw") {
      ++access;
      options.read_only = word == "ro";
    } else if (word == "z" || word == "Z") {
      ++label;  // SELinux relabelling: accepted for compatibility, nothing to do without SELinux
    } else if (is_propagation(word)) {
      ++propagation;
      options.propagation = std::string(word);
    } else if (word == "nocopy") {
      ++copy;
      options.nocopy = true;
    } else if (is_one_of(word, {"consistent", "cached", "delegated", "default"})) {
      ++consistency;  // Docker Desktop file-sharing hints; no meaning on Linux
    } else {
      return Error("unknown option \"" + std::string(word) +
                   "\" (options: ro, rw, nocopy, z, Z, rprivate, private, rshared, shared, rslave, slave)");
    }
  }
  if (access > 1 || label > 1 || propagation > 1 || copy > 1 || consistency > 1)
    return Error("options \"" + std::string(text) + "\" repeat a kind (at most one of ro/rw, one propagation, one z/Z)");
  return options;
}

/// One `--mount` value split as a CSV record (Go's encoding/csv, as the Docker CLI
/// does): commas separate fields, a field in double quotes may contain commas, and
/// `""` inside quotes is one quote.
Result<std::vector<std::string>> split_csv_record(std::string_view text) {
  std::vector<std::string> fields;
  size_t i = 0;
  for (;;) {
    std::string field;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return Error("a quoted field has no closing '\"'");
        if (text[i] != '"') {
          field += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (i < text.size() && text[i] != ',') return Error("text after a closing '\"' (quote the whole field)");
    } else {
      for (; i < text.size() && text[i] != ','; ++i) {
        if (text[i] == '"') return Error("a '\"' inside an unquoted field (quote the whole field: \"key=a,b\")");
        field += text[i];
      }
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) return fields;
    ++i;  // the comma
  }
}

/// The tmpfs(5) size syntax the kernel takes: digits with one of k m g t p e, or N%.
bool is_kernel_size(std::string_view value) {
  size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits]))) ++digits;
  if (digits == 0) return false;
  std::string_view suffix = value.substr(digits);
  return suffix.empty() || (suffix.size() == 1 && std::string_view("kKmMgGtTpPeE%").find(suffix[0]) != std::string_view::npos);
}

bool is_octal(std::string_view value) {
  if (value.empty() || value.size() > 4) return false;
  for (char c : value)
    if (c < '0' || c > '7') return false;
  return true;
}

/// Why one `--tmpfs` option is not one the kernel and Docker accept, or "".
std::string check_tmpfs_option(std::string_view option) {
  const size_t equals = option.find('=');
  if (equals == std::string_view::npos) {
    // mount(8) flag words that make sense on a tmpfs.
    if (is_one_of(option, {"ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async", "dirsync",
                           "atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime", "strictatime",
                           "nostrictatime", "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
                           "runbindable"}))
      return "";
    return "unknown option \"" + std::string(option) + "\" (flags such as ro, noexec, nosuid, nodev; or size=, mode=)";
  }
  std::string_view key = option.substr(0, equals), value = option.substr(equals + 1);
  if (key == "size" || key == "nr_blocks" || key == "nr_inodes") {
    if (is_kernel_size(value) && (key == "size" || value.back() != '%')) return "";
    return "\"" + std::string(option) + "\": use a whole number with an optional k, m or g (e.g. size=64m)";
  }
  if (key == "mode") return is_octal(value) ? "" : "\"" + std::string(option) + "\": use octal permissions (e.g. mode=1777)";
  if (key == "uid" || key == "gid") {
    bool digits = !value.empty();
    for (char c : value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    return digits ? "" : "\"" + std::string(option) + "\": use a numeric id (e.g. uid=1000)";
  }
  if (key == "mpol" && !value.empty()) return "";
  return "unknown option \"" + std::string(option) + "\" (tmpfs takes size=, mode=, uid=, gid=, nr_inodes=, nr_blocks=, mpol=)";
}

}  // namespace

bool is_valid_volume_name(std::string_view name) {
  auto is_alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.size() < 2 || !is_alnum(name.front())) return false;
  for (char c : name.substr(1))
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

Result<MountSpec> parse_volume_flag(std::string_view text) {
  constexpr std::string_view kForm = "use [SOURCE:]TARGET[:OPTIONS] (e.g. /srv/data:/data:ro or mydata:/data)";
  auto bad = [&](const std::string& why) { return invalid_value("--volume", "volume", text, why + "; " + std::string(kForm)); };
  const std::vector<std::string_view> parts = split(text, ':');
  if (parts.size() > 3) return bad("too many ':'");
  if (parts[0].empty()) return bad("the value is empty or starts with ':'");

  MountSpec mount;
  mount.type = std::string(kVolume);
  std::string_view source, target = parts[0], options;
  if (parts.size() >= 2) source = parts[0], target = parts[1];
  if (parts.size() == 3) options = parts[2];
  // "/data:ro" reads as TARGET:OPTIONS, but an anonymous volume takes no options.
  if (parts.size() == 2 && !parts[1].empty() && parse_volume_options(parts[1]).ok())
    return bad("\"" + std::string(parts[1]) + "\" looks like options, which need a SOURCE before the target");

  if (std::string why = take_target(target, mount); !why.empty()) return bad(why);
  auto parsed = parse_volume_options(options);
  if (!parsed) return bad(parsed.error().message());
  mount.read_only = parsed->read_only;
  mount.volume_nocopy = parsed->nocopy;

  if (!source.empty() && source.front() == '/') {
    mount.type = std::string(kBind);
    mount.source = clean_absolute_path(source);
    mount.bind_create_host_path = true;  // -v's old promise: a missing host directory is created
    mount.propagation = parsed->propagation.empty() ? std::string(kDefaultPropagation) : parsed->propagation;
    if (parsed->nocopy) return bad("nocopy applies to volumes only; a bind mount shows the host directory as it is");
  } else {
    if (!source.empty()) {
      if (std::string why = check_volume_source(source); !why.empty()) return bad(why);
      mount.source = std::string(source);
    }
    if (!parsed->propagation.empty())
      return bad("propagation (" + parsed->propagation + ") applies to bind mounts only, not volumes");
  }
  return mount;
}

Result<MountSpec> parse_mount_flag(std::string_view text) {
  constexpr std::string_view kForm = "use type=bind|volume|tmpfs,source=...,target=...[,readonly] "
                                     "(e.g. type=bind,source=/srv/data,target=/data,readonly)";
  auto bad = [&](const std::string& why) { return invalid_value("--mount", "mount", text, why + "; " + std::string(kForm)); };
  if (text.empty()) return bad("the value is empty");
  auto fields = split_csv_record(text);
  if (!fields) return bad(fields.error().message());

  MountSpec mount;
  mount.type = std::string(kVolume);  // Docker's default type
  std::string target, option_type;    // option_type: the type a bind-/volume-/tmpfs- key needs
  bool has_target = false;
  for (const std::string& field : *fields) {
    const size_t equals = field.find('=');
    const std::string key = field.substr(0, equals);
    const bool has_value = equals != std::string::npos;
    const std::string value = has_value ? field.substr(equals + 1) : std::string();
    auto read_bool = [&](bool& into) -> bool {  // "readonly" alone means true
      auto word = has_value ? parse_bool_word(value) : std::optional<bool>(true);
      if (word) into = *word;
      return word.has_value();
    };
    auto needs = [&](std::string_view type) { option_type = std::string(type); };

    if (key == "readonly" || key == "ro") {
      if (!read_bool(mount.read_only)) return bad("\"" + field + "\": use true or false");
    } else if (key == "volume-nocopy") {
      needs(kVolume);
      if (!read_bool(mount.volume_nocopy)) return bad("\"" + field + "\": use true or false");
    } else if (!has_value) {
      return bad("unknown option \"" + field + "\" (fields are KEY=VALUE)");
    } else if (key == "type") {
      mount.type.clear();
      for (char c : value) mount.type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (mount.type != kBind && mount.type != kVolume && mount.type != kTmpfs)
        return bad("unknown type \"" + value + "\" (minirun has bind, volume and tmpfs)");
    } else if (key == "source" || key == "src") {
      mount.source = value;
    } else if (key == "target" || key == "dst" || key == "destination") {
      target = value;
      has_target = true;
    } else if (key == "bind-propagation") {
      needs(kBind);
      if (!is_propagation(value)) return bad("\"" + field + "\": use rprivate, private, rshared, shared, rslave or slave");
      mount.propagation = value;
    } else if (key == "volume-driver") {
      needs(kVolume);
      if (value != "local") return bad("volume driver \"" + value + "\" is not supported (minirun has the local driver)");
    } else if (key == "tmpfs-size") {
      needs(kTmpfs);
      auto size = parse_bytes(value, "tmpfs-size");
      if (!size) return bad(size.error().message());
      mount.tmpfs_size = *size;
    } else if (key == "tmpfs-mode") {
      needs(kTmpfs);
      if (!is_octal(value)) return bad("\"" + field + "\": use octal permissions (e.g. tmpfs-mode=1777)");
      mount.tmpfs_mode = static_cast<uint32_t>(std::stoul(value, nullptr, 8));
    } else if (key == "consistency") {
      // Docker Desktop file-sharing hint; no meaning on Linux.
    } else if (is_one_of(key, {"bind-nonrecursive", "volume-label", "volume-opt"})) {
      return bad("\"" + key + "\" is not supported by minirun");
    } else {
      return bad("unknown key \"" + key + "\"");
    }
  }

  if (!has_target) return bad("target is required (e.g. target=/data)");
  if (std::string why = take_target(target, mount); !why.empty()) return bad(why);
  if (!option_type.empty() && option_type != mount.type)
    return bad("cannot mix '" + option_type + "-*' options with type=" + mount.type);
  if (mount.type == kBind) {
    if (mount.source.empty()) return bad("a bind mount needs source=/host/path");
    if (mount.source.front() != '/')
      return bad("the bind source \"" + mount.source + "\" must be an absolute host path (e.g. $PWD/" + mount.source + ")");
    mount.source = clean_absolute_path(mount.source);
    if (mount.propagation.empty()) mount.propagation = std::string(kDefaultPropagation);
    mount.bind_create_host_path = false;  // --mount never invents a host directory
  } else if (mount.type == kVolume) {
    if (!mount.source.empty() && mount.source.front() == '/')
      return bad("a volume's source is a volume name; for a host path use type=bind");
    if (!mount.source.empty())
      if (std::string why = check_volume_source(mount.source); !why.empty()) return bad(why);
  } else if (!mount.source.empty()) {
    return bad("a tmpfs mount has no source");
  }
  return mount;
}

Result<MountSpec> parse_tmpfs_flag(std::string_view text) {
  constexpr std::string_view kForm = "use TARGET[:OPTIONS] (e.g. /run:rw,noexec,size=64m)";
  auto bad = [&](const std::string& why) { return invalid_value("--tmpfs", "tmpfs", text, why + "; " + std::string(kForm)); };
  MountSpec mount;
  mount.type = std::string(kTmpfs);
  const size_t colon = text.find(':');
  if (std::string why = take_target(text.substr(0, colon), mount); !why.empty()) return bad(why);
  if (colon == std::string_view::npos || colon + 1 == text.size()) return mount;
  for (std::string_view option : split(text.substr(colon + 1), ',')) {
    if (std::string why = check_tmpfs_option(option); !why.empty()) return bad(why);
    if (option == "ro" || option == "rw") mount.read_only = option == "ro";  // the last one wins, as in mount(8)
    mount.tmpfs_options.emplace_back(option);
  }
  return mount;
}

}  // namespace minirun::engine
