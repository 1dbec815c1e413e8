/**
 * @file describe.hpp
 * @brief An instruction as one line of text, after variable expansion.
 *
 * The same text serves three readers: the image history (`docker history` shows
 * `RUN /bin/sh -c make` or `ENV PATH=/app/bin`), the cache key (the expanded
 * instruction is one of its inputs, so `RUN make $T` misses when T changes), and the
 * learner reading `--explain-cache` ("instruction changed: was ..., now ...").
 */
#pragma once

#include <string>
#include <vector>

#include "imagebuilder/spec/instructions.hpp"

namespace imagebuilder::build {

/// The argv a RUN/CMD/ENTRYPOINT command line runs: shell form goes through `shell`.
std::vector<std::string> command_argv(const spec::CommandLine& command, const std::vector<std::string>& shell);

/// `RUN /bin/sh -c make`, `COPY --chown=app src/ /app/`, `ENV A=1 B=2`, ...
std::string describe(const spec::Instruction& instruction, const std::vector<std::string>& shell);

}  // namespace imagebuilder::build
