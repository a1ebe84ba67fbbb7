// The on-disk numbers of ext4 inline data that this library relies on, written
// out once. Offsets are into the raw inode (struct ext4_inode) and into the
// in-inode extended-attribute area (struct ext4_xattr_ibody_header/entry).
#pragma once

#include <cstddef>
#include <cstdint>

namespace e4inline::ondisk {

inline constexpr std::size_t good_old_inode_size = 128;

// struct ext4_inode field offsets
inline constexpr std::size_t off_mode = 0;
inline constexpr std::size_t off_uid = 2;
inline constexpr std::size_t off_size_lo = 4;
inline constexpr std::size_t off_gid = 24;
inline constexpr std::size_t off_links = 26;
inline constexpr std::size_t off_blocks_lo = 28;
inline constexpr std::size_t off_flags = 32;
inline constexpr std::size_t off_block = 40;  // i_block[15], the first 60 inline bytes
inline constexpr std::size_t off_file_acl_lo = 104;
inline constexpr std::size_t off_size_high = 108;
inline constexpr std::size_t off_blocks_high = 116;
inline constexpr std::size_t off_file_acl_high = 118;
inline constexpr std::size_t off_uid_high = 120;
inline constexpr std::size_t off_gid_high = 122;
inline constexpr std::size_t off_extra_isize = 128;

// EXT4_MIN_INLINE_DATA_SIZE: the bytes of i_block used for data.
inline constexpr std::size_t i_block_size = 60;

// The header of a tree of extents (struct ext4_extent_header) at the start
// of i_block: its magic, and where its depth is.
inline constexpr std::uint16_t extent_magic = 0xf30a;
inline constexpr std::size_t off_extent_depth = 6;

// Inode flags
inline constexpr std::uint32_t fl_index = 0x00001000;      // EXT4_INDEX_FL (htree)
inline constexpr std::uint32_t fl_extents = 0x00080000;    // EXT4_EXTENTS_FL
inline constexpr std::uint32_t fl_verity = 0x00100000;     // EXT4_VERITY_FL
inline constexpr std::uint32_t fl_encrypt = 0x00000800;    // EXT4_ENCRYPT_FL
inline constexpr std::uint32_t fl_dax = 0x02000000;        // EXT4_DAX_FL
inline constexpr std::uint32_t fl_inline_data = 0x10000000;// EXT4_INLINE_DATA_FL
inline constexpr std::uint32_t fl_casefold = 0x40000000;   // EXT4_CASEFOLD_FL

// Feature bit
inline constexpr std::uint32_t incompat_inline_data = 0x8000;

// In-inode xattrs
inline constexpr std::uint32_t xattr_magic = 0xEA020000;
inline constexpr std::size_t xattr_ibody_header_size = 4;  // just the magic
inline constexpr std::size_t xattr_entry_fixed_size = 16;
inline constexpr std::size_t xattr_round = 3;              // EXT4_XATTR_ROUND
inline constexpr std::uint8_t xattr_index_system = 7;      // EXT4_XATTR_INDEX_SYSTEM
inline constexpr const char* system_data_name = "data";    // EXT4_XATTR_SYSTEM_DATA

// EXT4_XATTR_LEN: an entry with its name, padded to 4.
constexpr std::size_t xattr_entry_len(std::size_t name_len) {
    return (name_len + xattr_round + xattr_entry_fixed_size) & ~xattr_round;
}
// EXT4_XATTR_SIZE: a value padded to 4.
constexpr std::size_t xattr_value_size(std::size_t size) {
    return (size + xattr_round) & ~xattr_round;
}

// Directory entries (struct ext4_dir_entry_2)
inline constexpr std::size_t dirent_header_size = 8;
// An inline directory's i_block starts with the parent's inode number.
inline constexpr std::size_t inline_dir_parent_size = 4;

}  // namespace e4inline::ondisk
