// Raw inodes read in bulk straight from the inode tables, a run of blocks per
// group rather than a block per inode: crosscheck reads tens of thousands of
// inodes while the filesystem is frozen.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <ext2fs/ext2fs.h>

#include "e4inline/error.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline {

struct DiskInode {
    std::vector<std::uint8_t> raw;  // inode_size() bytes
    std::uint64_t byte_offset = 0;  // where the inode starts on the device
};

// The byte address of inode INO on the device (the kernel's FIEMAP reports
// an inline extent at this + offsetof(struct ext4_inode, i_block) = +40).
std::uint64_t inode_byte_offset(const Filesystem& fs, ext2_ino_t ino);

// Read every inode of INOS (any order, duplicates allowed) through FS's I/O
// channel: with OpenOptions::direct_io, the disk as it is, not the kernel's cache.
Result<std::unordered_map<ext2_ino_t, DiskInode>> read_disk_inodes(const Filesystem& fs, std::vector<ext2_ino_t> inos);

}  // namespace e4inline
