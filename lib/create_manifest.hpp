// Crafting an image from a manifest: one entry a line, each created like
// `e4inline create` would, parents made, counted in a TreeSummary.
#pragma once

#include <string>

#include "lib/create_tree.hpp"
#include "e4inline/error.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline {

// Create what MANIFEST lists, one entry a line ('#' starts a comment):
//   PATH file [SIZE|@SOURCE|-] [MODE]
//   PATH dir [-] [MODE]
//   PATH symlink TARGET [MODE]
// SIZE bytes are a repeating "abcdefghijklmnopqrstuvwxyz"; parents are made.
Result<TreeSummary> create_from_manifest(Filesystem& fs, const std::string& manifest, const TreeOptions& options);

}  // namespace e4inline
