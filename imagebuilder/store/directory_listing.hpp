/**
 * @file directory_listing.hpp
 * @brief The names in a directory, as a vector: what `ls` tells the store.
 *
 * The store lists three directories: `blobs/sha256/` (prune looks for unreferenced
 * blobs), `holds/<image>/` (who uses an image) and `tmp/` (leftovers of crashed
 * writers). One helper wraps opendir(3)/readdir(3) so that none of them leaks a DIR*.
 *
 * Man pages: opendir(3), readdir(3).
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"

namespace imagebuilder::store {

/// Names in `dir` except `.` and `..`, unsorted; a missing directory is empty.
minirun::sys::Result<std::vector<std::string>> list_directory(const std::string& dir);

}  // namespace imagebuilder::store
