/**
 * @file reference.cpp
 * @brief Parsing image references; see reference.hpp for the grammar.
 *
 * Hand-written scanning rather than std::regex: the grammar is small, the error can
 * then say which part is wrong, and libstdc++'s regex recurses per character (a long
 * hostile reference could exhaust the stack).
 */
#include "imagebuilder/store/reference.hpp"

#include <vector>

namespace imagebuilder::store {

namespace {

// Docker's limit on the whole repository name.
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

/// One path component: runs of [a-z0-9] joined by '.', '_', '__' or one or more '-'.
bool valid_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (std::size_t i = 0; i < c.size();) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < c.size() && !is_lower_alnum(c[i])) ++i;
    auto sep = c.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

/// A registry host: '.'-separated labels of letters, digits and inner '-', then an
/// optional ":port" of digits.
bool valid_domain(std::string_view d) {
  auto colon = d.find(':');
  auto host = d.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
  }
  if (host.empty()) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    auto dot = host.find('.', start);
    auto label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char ch : label) {
      if (!is_alnum(ch) && ch != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool looks_like_domain(std::string_view first) {
  return first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
         first == "localhost";
}

Error bad(std::string_view text, const std::string& why) {
  return Error("invalid reference `" + std::string(text) + "`: " + why);
}

}  // namespace

Result<void> validate_tag(std::string_view tag) {
  if (tag.empty()) return Error("invalid tag ``: a tag may not be empty");
  if (tag.size() > kMaxTagLength) {
    return Error("invalid tag `" + std::string(tag) + "`: longer than 128 characters");
  }
  if (!is_alnum(tag.front()) && tag.front() != '_') {
    return Error("invalid tag `" + std::string(tag) + "`: must start with a letter, digit or '_'");
  }
  for (char c : tag) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return Error("invalid tag `" + std::string(tag) + "`: only letters, digits, '_', '.' and '-' are allowed");
    }
  }
  return minirun::sys::ok();
}

Result<Reference> Reference::parse(std::string_view text) {
  if (text.empty()) return bad(text, "empty");
  Reference ref;
  std::string_view rest = text;

  if (auto at = rest.find('@'); at != std::string_view::npos) {
    auto digest = Digest::parse(rest.substr(at + 1));
    if (!digest) return bad(text, digest.error().message());
    ref.digest = *digest;
    rest = rest.substr(0, at);
  }
  // The tag is after the last ':' that follows the last '/', so `host:5000/app` keeps
  // its port and `app:1.0` its tag.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    auto tag = rest.substr(colon + 1);
    if (auto v = validate_tag(tag); !v) return bad(text, v.error().message());
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  } else if (ref.digest) {
    ref.tag.clear();  // `name@sha256:...` names one manifest, not a tag
  }
  if (rest.empty()) return bad(text, "no repository name");
  if (rest.size() > kMaxNameLength) return bad(text, "repository name longer than 255 characters");

  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto next = rest.find('/', start);
    parts.push_back(rest.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  std::size_t first_path = 0;
  if (parts.size() > 1 && looks_like_domain(parts[0])) {
    if (!valid_domain(parts[0])) return bad(text, "`" + std::string(parts[0]) + "` is not a valid registry host[:port]");
    ref.domain = std::string(parts[0]);
    first_path = 1;
  }
  for (std::size_t i = first_path; i < parts.size(); ++i) {
    if (!valid_component(parts[i])) {
      bool upper = false;
      for (char c : parts[i]) upper = upper || (c >= 'A' && c <= 'Z');
      return bad(text, "path component `" + std::string(parts[i]) + "` " +
                           (upper ? "must be lower case"
                                  : "must be [a-z0-9] runs joined by '.', '_', '__' or '-'"));
    }
    if (!ref.path.empty()) ref.path += '/';
    ref.path += parts[i];
  }
  // Docker Hub's long forms collapse to the short names the kit stores.
  if (ref.domain == "docker.io" || ref.domain == "index.docker.io") {
    ref.domain.clear();
    if (ref.path.rfind("library/", 0) == 0 && ref.path.find('/', 8) == std::string::npos) {
      ref.path = ref.path.substr(8);
    }
  }
  return ref;
}

std::string Reference::repository() const { return domain.empty() ? path : domain + "/" + path; }

std::string Reference::str() const {
  std::string s = repository();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

}  // namespace imagebuilder::store
