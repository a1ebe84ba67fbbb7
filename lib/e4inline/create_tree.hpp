// Bulk creation: copy a directory tree into an image, making every inode
// inline whose data fits. Each directory's entries are built in memory and
// the directory is written once, so the cost per file is one inode write,
// not a directory scan.
#pragma once

#include <cstdint>
#include <string>

#include "e4inline/error.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline {

struct TreeOptions {
    bool dry_run = false;
    bool allow_extents = false;  // manifest: store entries that do not fit in extents
    bool parents = false;        // make a missing --into directory
};

struct TreeSummary {
    std::uint64_t files = 0, files_inline = 0;
    std::uint64_t dirs = 0, dirs_inline = 0;
    std::uint64_t symlinks = 0, symlinks_inline = 0, symlinks_fast = 0;
    std::uint64_t hardlinks = 0;
    std::uint64_t skipped = 0;   // devices, fifos, sockets
    std::uint64_t bytes = 0;     // regular file content
};

// Copy the tree under SOURCE_DIR (regular files, directories, symlinks, with
// modes, owners and times; hard links kept) into directory INTO of the image.
// Data that does not fit inline goes to extents.
Result<TreeSummary> create_from_dir(Filesystem& fs, const std::string& source_dir, const std::string& into,
                                    const TreeOptions& options);

std::string tree_summary_text(const TreeSummary& s, bool dry_run);

}  // namespace e4inline
