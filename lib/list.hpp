// The inline inodes of a tree: what `e4inline list` prints, for scripts that
// want to know which files are inline and how full each one is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ext2fs/ext2fs.h>
#include <nlohmann/json.hpp>

#include "e4inline/filesystem.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

struct ListedInode {
    ext2_ino_t ino = 0;
    std::string path;            // the first name the walk met (hard links are listed once)
    FileType type = FileType::unknown;
    std::uint64_t size = 0;      // i_size
    std::size_t in_use = 0;      // InlineLayout::inline_size: 60 + system.data value length
    std::size_t capacity = 0;    // InlineLayout::capacity (ext4_get_max_inline_size)
    // Percent of the capacity in use, rounded down; 0 when the capacity is 0.
    unsigned fullness() const;
};

// Every inode with EXT4_INLINE_DATA_FL at or under PATH (a path or "<INO>"),
// PATH itself included, in a depth-first walk with each directory's entries
// in byte order of their names. Each inode once, by the first path found.
Result<std::vector<ListedInode>> list_inline(const Filesystem& fs, std::string_view path);

// Aligned columns under a header, names escaped with printable().
std::string list_text(const std::vector<ListedInode>& inodes);
// An array of objects, one per inode, the keys documented in e4inline(8).
nlohmann::ordered_json list_json(const std::vector<ListedInode>& inodes);

}  // namespace e4inline
