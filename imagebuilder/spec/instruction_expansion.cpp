/**
 * @file instruction_expansion.cpp
 * @brief Which instructions expand `$VAR`, and expanding one instruction's words.
 *
 * BuildKit expands variables in the builder, not in a shell, and only in some
 * instructions (the Dockerfile reference, "Environment replacement"): ADD ARG
 * COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR. RUN, CMD,
 * ENTRYPOINT and HEALTHCHECK are left alone: in shell form the shell expands them
 * when the container runs, in exec form nothing does (`CMD ["echo", "$HOME"]`
 * prints `$HOME`, a classic surprise). ONBUILD triggers are expanded when they
 * run in the child build, with the child's variables. FROM is expanded with the
 * global ARGs only; the build engine does that with expand_word() directly.
 *
 * Each word is expanded on its own (expand_word), except EXPOSE, whose words
 * may expand into several ports (`EXPOSE $PORTS`), as BuildKit does.
 */
#include <algorithm>
#include <array>

#include "imagebuilder/spec/instructions.hpp"

namespace imagebuilder::spec {

bool takes_expansion(std::string_view lower_keyword) {
  static constexpr std::array<std::string_view, 11> kExpanded = {
      "add", "arg", "copy", "env", "expose", "from", "label", "stopsignal", "user", "volume", "workdir"};
  return std::find(kExpanded.begin(), kExpanded.end(), lower_keyword) != kExpanded.end();
}

namespace {

/// Expands words in place, turning errors into located errors.
class WordExpander {
 public:
  WordExpander(const Environment& env, char escape, std::string_view file_name, const Location& where)
      : env_(env), escape_(escape), file_name_(file_name), where_(where) {}

  Result<void> word(std::string& text) const {
    auto expanded = expand_word(text, env_, escape_);
    if (!expanded) return error_at(file_name_, where_, expanded.error().what());
    text = std::move(*expanded);
    return minirun::sys::ok();
  }
  Result<void> words(std::vector<std::string>& list) const {
    for (std::string& text : list) {
      if (auto r = word(text); !r) return r;
    }
    return minirun::sys::ok();
  }
  Result<void> pairs(std::vector<KeyValue>& list) const {
    for (KeyValue& pair : list) {
      if (auto r = word(pair.key); !r) return r;
      if (auto r = word(pair.value); !r) return r;
    }
    return minirun::sys::ok();
  }
  /// Each word may become several (EXPOSE $PORTS).
  Result<void> split_words(std::vector<std::string>& list) const {
    std::vector<std::string> out;
    for (const std::string& text : list) {
      auto expanded = expand_words(text, env_, escape_);
      if (!expanded) return error_at(file_name_, where_, expanded.error().what());
      out.insert(out.end(), expanded->begin(), expanded->end());
    }
    list = std::move(out);
    return minirun::sys::ok();
  }
  /// --chmod is checked again once its variables have values.
  Result<void> chmod(std::string& text) const {
    const bool had_variable = text.find('$') != std::string::npos;
    if (auto r = word(text); !r) return r;
    if (had_variable && !text.empty() && !is_octal_mode(text)) {
      return error_at(file_name_, where_, "invalid --chmod=" + text + ": expected an octal mode such as 0755");
    }
    return minirun::sys::ok();
  }

 private:
  const Environment& env_;
  char escape_;
  std::string_view file_name_;
  Location where_;
};

Result<void> expand_command(Command& command, const WordExpander& x) {
  if (auto* c = std::get_if<Copy>(&command)) {
    if (auto r = x.words(c->sources); !r) return r;
    if (auto r = x.word(c->dest); !r) return r;
    if (auto r = x.word(c->from); !r) return r;
    if (auto r = x.word(c->chown); !r) return r;
    return x.chmod(c->chmod);
  }
  if (auto* a = std::get_if<Add>(&command)) {
    if (auto r = x.words(a->sources); !r) return r;
    if (auto r = x.word(a->dest); !r) return r;
    if (auto r = x.word(a->chown); !r) return r;
    if (auto r = x.word(a->checksum); !r) return r;
    return x.chmod(a->chmod);
  }
  if (auto* e = std::get_if<Env>(&command)) return x.pairs(e->pairs);
  if (auto* l = std::get_if<Label>(&command)) return x.pairs(l->pairs);
  if (auto* arg = std::get_if<Arg>(&command)) {
    if (auto r = x.word(arg->name); !r) return r;
    if (arg->default_value) return x.word(*arg->default_value);
    return minirun::sys::ok();
  }
  if (auto* w = std::get_if<Workdir>(&command)) return x.word(w->path);
  if (auto* u = std::get_if<User>(&command)) return x.word(u->user);
  if (auto* s = std::get_if<Stopsignal>(&command)) return x.word(s->signal);
  if (auto* v = std::get_if<Volume>(&command)) return x.words(v->paths);
  if (auto* p = std::get_if<Expose>(&command)) return x.split_words(p->ports);
  return minirun::sys::ok();  // RUN CMD ENTRYPOINT HEALTHCHECK SHELL ONBUILD MAINTAINER
}

}  // namespace

Result<Instruction> expand_instruction(const Instruction& instruction, const Environment& env, char escape,
                                       std::string_view file_name) {
  Instruction out = instruction;
  if (!takes_expansion(out.keyword)) return out;
  WordExpander expander(env, escape, file_name, out.where);
  if (auto r = expand_command(out.command, expander); !r) return std::move(r).error();
  if (auto* add = std::get_if<Add>(&out.command)) {
    for (const std::string& source : add->sources) {
      if (add_source_kind(source) == AddSourceKind::kRemoteUrl) {
        return error_at(file_name, out.where,
                        "ADD " + source + ": remote URLs are not supported (the kit builds offline); " +
                            "download the file into the build context and COPY it");
      }
    }
  }
  return out;
}

}  // namespace imagebuilder::spec
