// The inline capacity of an inode: how many bytes of a file, directory or
// symlink it can hold inline (the 60 bytes of i_block plus the value of
// system.data in the in-inode xattr area). Private to the library: the one
// place this rule is written (lib/capacity.cpp); the layout parser, create,
// convert and verify all take it from here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "e4inline/layout.hpp"

namespace e4inline {

// Where the lowest in-inode xattr value starts, counted from the first entry
// (e_value_offs): AREA, the bytes after the area's header, when no entry has
// an in-inode value. The free space of the area lies between the entry table
// and this offset (the kernel's ext4_xattr_ibody_find/get_max_inline_xattr_value_size).
std::size_t lowest_xattr_value_offs(const InlineLayout& l, std::size_t area);

// The kernel's ext4_get_max_inline_size for an inode of INODE_SIZE bytes
// whose in-inode xattr area L describes (i_extra_isize, the parsed entries
// and system.data): 0 when i_extra_isize is invalid or 0 (no xattr area).
std::size_t max_inline_size(std::size_t inode_size, const InlineLayout& l);

// The same for a new inode, with no xattrs yet: INODE_SIZE bytes and the
// i_extra_isize it is created with (new_inode_extra_isize).
std::size_t new_inode_max_inline_size(std::size_t inode_size, std::uint16_t extra_isize);

}  // namespace e4inline
