// The bytes of an inline directory built from a list of entries: the parent's
// inode number, one rec_len chain over the rest of i_block and, when that is
// not enough, a second chain in system.data, grown to the inode's capacity as
// the kernel grows it (ext4_update_inline_dir). Also the same packing for
// directory blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ext2fs/ext2fs.h>

namespace e4inline {

struct DirEntrySpec {
    std::string name;
    ext2_ino_t ino = 0;
    int file_type = 0;  // EXT2_FT_*
};

// ext4_dir_rec_len: an entry's length with its name, padded to 4.
std::size_t dirent_rec_len(std::size_t name_len);

// Pack ENTRIES from index FIRST into [begin, end) of BUF as one chain whose
// last entry reaches END (an empty region gets one unused entry). Returns how
// many entries fit.
std::size_t pack_dirent_chain(std::vector<std::uint8_t>& buf, std::size_t begin, std::size_t end,
                              const std::vector<DirEntrySpec>& entries, std::size_t first);

// The inline data of a directory with these entries (no "." or ".."), or
// nothing when they do not fit in CAPACITY bytes.
std::optional<std::vector<std::uint8_t>> inline_dir_bytes(ext2_ino_t parent, const std::vector<DirEntrySpec>& entries,
                                                          std::size_t capacity);

}  // namespace e4inline
