// InlineLayout: a description of how one inode stores (or does not store) its
// data inline, parsed from the raw inode bytes by our own parser so that a
// corrupt inode can be described rather than only refused.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "e4inline/error.hpp"  // E4I_EXPORT

namespace e4inline {

// Something the parser found wrong with the raw bytes. The parser never stops
// at the first one: it records it and describes what it still can.
enum class LayoutProblem {
    inode_truncated,           // fewer than 128 bytes
    extra_isize_invalid,       // i_extra_isize not a multiple of 4 or past the inode
    xattr_bad_magic,           // in-inode xattr header is neither 0 nor 0xEA020000
    xattr_unterminated,        // the entry list runs to the inode's end without a 0 word
    xattr_entry_out_of_bounds, // an entry (with its name) does not fit in the inode
    xattr_value_out_of_bounds, // a value lies outside the in-inode xattr area
    xattr_overlap,             // values overlap each other or the entry table
    xattr_value_inum,          // an in-inode entry points to an EA inode
    system_data_duplicate,     // more than one system.data entry
    dir_chain_broken,          // rec_len too small, unaligned, or past the region
    dir_chain_short,           // the last entry does not reach the end of its region
    dir_name_past_rec_len,     // 8 + name_len > rec_len
};

E4I_EXPORT const char* layout_problem_name(LayoutProblem p);

struct LayoutIssue {
    LayoutProblem problem;
    std::string detail;  // the raw values that show it
};

struct E4I_EXPORT XattrEntry {
    std::uint8_t name_index = 0;
    std::string name;                 // without the prefix of its index
    std::uint16_t value_offs = 0;     // e_value_offs, relative to the first entry
    std::uint32_t value_inum = 0;
    std::uint32_t value_size = 0;
    std::uint32_t hash = 0;
    std::size_t entry_offset = 0;     // byte offset of the entry in the inode
    std::size_t value_offset = 0;     // byte offset of the value in the inode (if in bounds)
    bool value_in_bounds = false;
    std::string full_name() const;    // "system.data", "user.foo"
    bool is_system_data() const;
};

struct InlineDirEntry {
    std::uint32_t inode = 0;
    std::uint16_t rec_len = 0;
    std::uint8_t name_len = 0;
    std::uint8_t file_type = 0;
    std::string name;
    std::size_t offset = 0;   // offset in the inline data (0..59 i_block, 60.. system.data)
    int region = 0;           // 0: i_block chain, 1: system.data chain
};

enum class FileType { unknown, regular, directory, symlink, chardev, blockdev, fifo, socket };
E4I_EXPORT const char* file_type_name(FileType t);

enum class Storage {
    inline_data,   // EXT4_INLINE_DATA_FL
    extents,
    block_map,
    fast_symlink,  // target in i_block, no inline flag
    empty,         // no data at all
    special,       // device, fifo, socket: no data blocks
};
E4I_EXPORT const char* storage_name(Storage s);

struct E4I_EXPORT InlineLayout {
    // inode fields
    std::size_t inode_size = 0;
    std::uint16_t mode = 0;
    FileType type = FileType::unknown;
    std::uint32_t uid = 0, gid = 0;
    std::uint16_t links = 0;
    std::uint32_t flags = 0;
    std::uint64_t size = 0;        // i_size
    std::uint64_t blocks = 0;      // i_blocks (lo + high), raw units
    std::uint64_t file_acl = 0;    // external xattr block
    std::uint16_t extra_isize = 0;
    bool extra_isize_valid = false;
    std::array<std::uint8_t, 60> i_block{};

    bool inline_flag() const;
    bool extents_flag() const;

    // in-inode xattr area
    std::size_t xattr_area_offset = 0;     // 128 + i_extra_isize (the header)
    bool xattr_area_present = false;       // room for a header exists
    std::uint32_t xattr_magic = 0;
    bool xattr_magic_ok = false;
    std::vector<XattrEntry> xattrs;
    std::size_t xattr_entries_bytes = 0;   // entry table length, without the end word
    std::size_t xattr_free = 0;            // unused bytes between entries and values
    std::optional<std::size_t> system_data;  // index into xattrs

    // inline data
    std::size_t capacity = 0;              // the kernel's ext4_get_max_inline_size
    std::size_t inline_size = 0;           // 60 + system.data value length, 0 if not inline
    std::vector<std::uint8_t> system_data_value;  // the bytes, when in bounds
    std::vector<std::uint8_t> inline_bytes() const;  // i_block + system.data value

    // directories (when inline)
    std::optional<std::uint32_t> dir_parent;
    std::vector<InlineDirEntry> dir_entries;

    // symlinks (inline or fast)
    std::optional<std::string> symlink_target;

    Storage storage = Storage::empty;
    std::string storage_reason;   // why the data is (not) inline

    std::vector<LayoutIssue> issues;
    bool has(LayoutProblem p) const;
};

// Parse one raw inode (exactly the filesystem's inode size in bytes).
// `fs_has_inline_data` is the superblock feature, used only to explain why
// an inode is not inline.
E4I_EXPORT InlineLayout parse_inline_layout(std::span<const std::uint8_t> raw, bool fs_has_inline_data = true);

}  // namespace e4inline
