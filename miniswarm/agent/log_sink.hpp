/**
 * @file log_sink.hpp
 * @brief Where the agent's log lines go: one function, chosen by whoever runs the agent.
 *
 * The daemon (`miniswarm agent`) writes the lines to its log file with a timestamp; the
 * tests collect them in a vector and look for the line a property promises ("task
 * web.2.x: failed (exit code 1)"). The agent itself never opens a file or writes to
 * stderr, so it has no opinion about log rotation or formats.
 *
 * The sink may be called from any of the agent's threads, one call at a time (the agent
 * serialises the calls), so a sink needs no lock of its own.
 */
#pragma once

#include <functional>
#include <string>

namespace miniswarm::agent {

/// Receives one line, without a trailing newline.
using LogSink = std::function<void(std::string)>;

}  // namespace miniswarm::agent
