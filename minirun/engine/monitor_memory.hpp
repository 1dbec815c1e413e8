/**
 * @file monitor_memory.hpp
 * @brief Keeping the monitor small: dropping the pages of code it ran only once.
 *
 * One monitor runs per container (monitor.hpp), so its resident memory is multiplied by
 * the number of containers; the engine's target is under 2 MiB each. Most of what a
 * monitor maps is its own program, and most of that program it needs only to start the
 * container. release_startup_pages() lets those pages go after the start (and after a
 * healthcheck probe, which runs the runtime's exec code once more).
 *
 * Man pages: madvise(2), proc(5) (/proc/PID/maps). Lab: labs/01-image-and-container.
 */
#pragma once

namespace minirun::engine {

/// Drops this process's mappings of its own read-only program pages (code, constants).
///
/// Starting a container runs a lot of code once (the bundle, seccomp, the runtime's
/// create) and the supervising loop then needs little of it. Resident memory (RSS)
/// counts every page mapped into the process, also file pages shared with the page
/// cache, so the monitor would show ~3 MiB for code it no longer runs. MADV_DONTNEED on
/// a read-only file mapping only removes the mapping: the data stays in the page cache,
/// and a page used again is mapped back by a minor fault. Never applied to writable
/// mappings, where it would throw away data. See madvise(2), proc(5) (/proc/PID/maps).
void release_startup_pages();

}  // namespace minirun::engine
