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
    std::uint64_t specials = 0;  // devices, fifos, sockets
    std::uint64_t skipped = 0;   // anything else lstat can report (none on Linux today)
    std::uint64_t bytes = 0;     // regular file content
};

// Copy the tree under SOURCE_DIR (regular files, directories, symlinks,
// devices, fifos and sockets, with modes, owners and times; hard links kept) into directory INTO of the image.
// Data that does not fit inline goes to extents.
Result<TreeSummary> create_from_dir(Filesystem& fs, const std::string& source_dir, const std::string& into,
                                    const TreeOptions& options);

std::string tree_summary_text(const TreeSummary& s, bool dry_run);

// The most content a new regular file of this image can get: the inline
// capacity, or with ALLOW_EXTENTS what the free blocks hold (at most 1 GiB,
// the limit of --size).
std::uint64_t storable_file_bytes(const Filesystem& fs, bool allow_extents);

// The content of a new regular file from SOURCE (a file, "-" for standard
// input), read up to storable_file_bytes() plus one byte: more is an Error
// (exit 1 when only inline was allowed, else 8), so that /dev/zero or an
// endless pipe is refused at once instead of read forever.
Result<std::vector<std::uint8_t>> read_file_source(const Filesystem& fs, const std::string& source,
                                                   bool allow_extents);

}  // namespace e4inline
