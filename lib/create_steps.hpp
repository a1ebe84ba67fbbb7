// The steps create_node() is made of, for the library's other writers
// (create_tree, craft): a new inode's bytes, a new file's data, an entry
// linked into a directory. Private: not installed and not exported.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "e4inline/create.hpp"

namespace e4inline {

// Raw inode bytes of a new inode, inode_size() long, with the fields every
// inode this library creates shares (i_extra_isize included).
std::vector<std::uint8_t> fresh_inode(const Filesystem& fs, std::uint16_t mode, const NodeAttrs& attrs,
                                      std::uint16_t links);

// Write a new regular file's inode INO (already allocated) with DATA, inline
// or, when inline_data is false, in extents. Free blocks are checked first.
Result<void> write_new_file(Filesystem& fs, std::uint32_t ino, std::uint16_t perm, const NodeAttrs& attrs,
                            std::span<const std::uint8_t> data, bool inline_data, const std::string& path);

// Link INO into directory DIR under NAME, making room as the kernel does: an
// inline directory first grows into system.data up to its capacity
// (ext4_try_add_inline_entry/ext4_update_inline_dir), then becomes a block
// directory; a block directory gets a new block.
Result<void> add_dir_entry(Filesystem& fs, std::uint32_t dir, const std::string& name, std::uint32_t ino,
                           int ext2_file_type);

// Make room for one more entry in DIR (see add_dir_entry).
Result<void> make_room_in_dir(Filesystem& fs, std::uint32_t dir);

// Split "/a/b/c" into {"a", "b", "c"}; empty components and "." are dropped.
std::vector<std::string> path_components(const std::string& path);

}  // namespace e4inline
