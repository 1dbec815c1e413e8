/**
 * @file shell_words.cpp
 * @brief A small recursive reader for `$`, quotes and escapes (see shell_words.hpp).
 *
 * The reader walks the text once. Each special character has its own function
 * (read_dollar, read_single_quoted, read_double_quoted); `${VAR:-word}` reads
 * its `word` with the same main loop, stopping at `}`, which is how defaults can
 * themselves hold `$OTHER` and quotes. Two results are built side by side: the
 * joined string for expand_word() and the split words for expand_words(). Text
 * from a `$` expansion is split at white space; text from quotes is never split.
 */
#include "imagebuilder/spec/shell_words.hpp"

#include "imagebuilder/spec/go_text.hpp"

namespace imagebuilder::spec {

void Environment::set(std::string_view name, std::string_view value) {
  for (auto& [existing, old_value] : vars_) {
    if (existing == name) {
      old_value = value;
      return;
    }
  }
  vars_.emplace_back(name, value);
}

const std::string* Environment::find(std::string_view name) const {
  for (const auto& [existing, value] : vars_) {
    if (existing == name) return &value;
  }
  return nullptr;
}

std::vector<std::string> Environment::to_list() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : vars_) out.push_back(name + "=" + value);
  return out;
}

namespace {

/// Words being collected: white space ends a word unless it was quoted/escaped.
class WordSplitter {
 public:
  /// A character that white space may split at.
  void add_splittable(std::string_view ch) {
    Rune r = decode_rune(ch, 0);
    if (r.valid && is_go_space(r.code)) {
      if (in_word_ && !word_.empty()) {
        words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
      }
      return;
    }
    add_literal(ch);
  }
  void add_splittable_text(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t width = decode_rune(text, pos).width;
      add_splittable(text.substr(pos, width));
      pos += width;
    }
  }
  /// Text that stays in the current word whatever it holds.
  void add_literal(std::string_view text) {
    word_ += text;
    in_word_ = true;
  }
  std::vector<std::string> finish() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    return std::move(words_);
  }

 private:
  std::vector<std::string> words_;
  std::string word_;
  bool in_word_ = false;
};

struct Expansion {
  std::string text;
  std::vector<std::string> words;
};

class ShellWordReader {
 public:
  ShellWordReader(std::string_view text, const Environment& env, char escape)
      : text_(text), env_(env), escape_(escape) {}

  /// Reads until `stop` (consumed) or, with stop == 0, to the end.
  Result<Expansion> read_until(char stop) {
    Expansion out;
    WordSplitter words;
    while (pos_ < text_.size()) {
      const char ch = text_[pos_];
      if (stop != 0 && ch == stop) {
        ++pos_;
        out.words = words.finish();
        return out;
      }
      if (ch == '$' || ch == '\'' || ch == '"') {
        auto part = ch == '$' ? read_dollar() : ch == '\'' ? read_single_quoted() : read_double_quoted();
        if (!part) return std::move(part).error();
        out.text += *part;
        if (ch == '$') {
          words.add_splittable_text(*part);  // a variable's value splits into words
        } else {
          words.add_literal(*part);
        }
        continue;
      }
      if (ch == escape_) {
        ++pos_;
        if (pos_ >= text_.size()) break;  // an escape at the very end is dropped
        std::string_view escaped = next_rune();
        words.add_literal(escaped);
        out.text += escaped;
        continue;
      }
      std::string_view plain = next_rune();
      words.add_splittable(plain);
      out.text += plain;
    }
    if (stop != 0) return minirun::sys::Error(std::string("unexpected end of statement while looking for matching ") + stop);
    out.words = words.finish();
    return out;
  }

 private:
  std::string_view next_rune() {
    std::size_t width = decode_rune(text_, pos_).width;
    std::string_view r = text_.substr(pos_, width);
    pos_ += width;
    return r;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  Result<std::string> read_single_quoted() {
    ++pos_;  // the opening quote
    std::string out;
    for (;;) {
      if (at_end()) return minirun::sys::Error("unexpected end of statement while looking for matching single-quote");
      if (peek() == '\'') {
        ++pos_;
        return out;
      }
      out += next_rune();
    }
  }

  Result<std::string> read_double_quoted() {
    ++pos_;  // the opening quote
    std::string out;
    for (;;) {
      if (at_end()) return minirun::sys::Error("unexpected end of statement while looking for matching double-quote");
      if (peek() == '"') {
        ++pos_;
        return out;
      }
      if (peek() == '$') {
        auto value = read_dollar();
        if (!value) return value;
        out += *value;
        continue;
      }
      std::string_view ch = next_rune();
      if (ch[0] == escape_ && !at_end()) {
        // Inside double quotes the escape only escapes `"`, `$` and itself;
        // before anything else it is an ordinary character.
        if (peek() == '"' || peek() == '$' || peek() == escape_) ch = next_rune();
      } else if (ch[0] == escape_) {
        continue;  // an escape right before the end: dropped, then the quote is unclosed
      }
      out += ch;
    }
  }

  /// A name after `$`: digits ($1, $12), one special character, or [A-Za-z0-9_]+.
  std::string read_name() {
    std::string name;
    if (!at_end() && peek() >= '0' && peek() <= '9') {
      while (!at_end() && peek() >= '0' && peek() <= '9') name += text_[pos_++];
      return name;
    }
    if (!at_end() && std::string_view("@*#?-$!").find(peek()) != std::string_view::npos) {
      return std::string(1, text_[pos_++]);
    }
    while (!at_end()) {
      char c = peek();
      bool name_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (!name_char) break;
      name += c;
      ++pos_;
    }
    return name;
  }

  Result<std::string> read_dollar() {
    ++pos_;  // the `$`
    if (at_end() || peek() != '{') {
      std::string name = read_name();
      if (name.empty()) return std::string("$");  // a lone `$` is literal
      const std::string* value = env_.find(name);
      return value ? *value : std::string();
    }
    ++pos_;  // the `{`
    if (at_end()) return minirun::sys::Error("syntax error: missing '}'");
    if (peek() == '{' || peek() == '}' || peek() == ':') return minirun::sys::Error("syntax error: bad substitution");
    std::string name = read_name();
    if (at_end()) return minirun::sys::Error("syntax error: missing '}'");
    const std::string* value = env_.find(name);
    char modifier = text_[pos_++];
    if (modifier == '}') return value ? *value : std::string();

    std::string written(1, modifier);
    bool empty_counts_as_unset = false;
    if (modifier == ':') {
      if (at_end()) return minirun::sys::Error("syntax error: missing '}'");
      empty_counts_as_unset = true;
      modifier = text_[pos_++];
      written += modifier;
    }
    if (modifier != '-' && modifier != '+' && modifier != '?') {
      return minirun::sys::Error("unsupported modifier (" + written + ") in substitution ${" + name + written +
                                 "...}: only :- - :+ + :? ? are supported");
    }
    auto word = read_until('}');
    if (!word) {
      if (at_end()) return minirun::sys::Error("syntax error: missing '}'");
      return std::move(word).error();
    }
    const bool unset = value == nullptr || (empty_counts_as_unset && value->empty());
    switch (modifier) {
      case '-':
        return unset ? word->text : *value;
      case '+':
        return unset ? std::string() : word->text;
      default: {  // '?'
        if (!unset) return *value;
        std::string message = word->text;
        if (message.empty()) message = value == nullptr ? "is not allowed to be unset" : "is not allowed to be empty";
        return minirun::sys::Error(name + ": " + message);
      }
    }
  }

  std::string_view text_;
  const Environment& env_;
  char escape_;
  std::size_t pos_ = 0;
};

Result<Expansion> expand(std::string_view text, const Environment& env, char escape) {
  ShellWordReader reader(text, env, escape);
  auto out = reader.read_until(0);
  if (!out) return std::move(out).error().context("failed to process " + go_quote(text));
  return out;
}

}  // namespace

Result<std::string> expand_word(std::string_view word, const Environment& env, char escape) {
  auto out = expand(word, env, escape);
  if (!out) return std::move(out).error();
  return std::move(out->text);
}

Result<std::vector<std::string>> expand_words(std::string_view text, const Environment& env, char escape) {
  auto out = expand(text, env, escape);
  if (!out) return std::move(out).error();
  return std::move(out->words);
}

}  // namespace imagebuilder::spec
