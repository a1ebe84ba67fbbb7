// verify: an fsck-style check of every in-use inode's inline data. Each broken
// invariant of ../shared/ext4-inline-reference.md is a named finding with the
// raw values that prove it and, where e2fsck has one, its problem code.
//
// Errors are values, as in the rest of the library: scan_inline_inodes and
// verify() return Result<T> (e4inline/result.hpp, with its own fallback where
// the standard library has no <expected>, as for the clang fuzz build).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>
#include <version>

#include <ext2fs/ext2fs.h>
#include <nlohmann/json.hpp>

#include "e4inline/error.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

enum class Severity { error, warning };
const char* severity_name(Severity s);

enum class FindingCode {
    flag_without_feature,       // EXT4_INLINE_DATA_FL on a filesystem without inline_data
    system_data_missing,        // the flag, but no system.data entry anywhere
    system_data_outside_body,   // system.data only in the external xattr block
    system_data_value_inum,     // system.data with a non-zero e_value_inum
    system_data_without_flag,   // system.data in the body, but no inline flag
    system_data_duplicate,      // two system.data entries
    inline_and_extents,         // both INLINE_DATA and EXTENTS flags
    inline_on_special,          // the flag on a device, fifo or socket
    size_past_inline,           // regular file: i_size > inline size in use
    inline_size_past_capacity,  // inline size in use > capacity
    extra_isize_invalid,
    xattr_bad_magic,
    xattr_unterminated,
    xattr_entry_out_of_bounds,
    xattr_value_out_of_bounds,
    xattr_overlap,
    blocks_without_xattr_block, // inline inode with i_blocks != 0 and no xattr block
    dir_parent_bad,             // parent inode 0, out of range or unused
    dir_size_unaligned,         // inline dir i_size not a multiple of 4
    dir_size_mismatch,          // inline dir i_size != inline size
    dir_chain_broken,
    dir_chain_short,
    dir_name_past_rec_len,
    dir_entry_inode_out_of_range,
    dir_entry_inode_unused,
    symlink_size_mismatch,      // inline symlink i_size != inline size
    symlink_bad_flags,          // inline symlink with INDEX_FL
    lost_found_inline,
    inode_checksum_bad,
    xattr_block_out_of_range,   // i_file_acl outside the filesystem's blocks
    xattr_block_bad,            // i_file_acl names a block that is no xattr block
};

struct FindingInfo {
    FindingCode code;
    const char* name;      // "size-past-inline": stable, used by craft and JSON
    Severity severity;
    const char* e2fsck;    // the e2fsck problem code, "" when e2fsck has none
    const char* summary;   // one line
};

// Every finding code, in the order above.
std::span<const FindingInfo> finding_catalog();
const FindingInfo& finding_info(FindingCode code);
// By name; nullptr when unknown.
const FindingInfo* find_finding(std::string_view name);

struct Finding {
    FindingCode code;
    std::uint32_t ino = 0;
    std::string path;      // filled in after the scan, where a path reaches ino
    std::string detail;    // one line, human
    std::vector<std::pair<std::string, std::uint64_t>> raw;  // the values that prove it
};

// What check_inode needs to know about the filesystem around an inode.
struct InodeContext {
    bool fs_has_inline_data = true;
    bool metadata_csum = false;
    std::uint32_t inodes_count = 0;
    std::uint32_t lost_found_ino = 0;               // 0 when there is none
    std::function<bool(std::uint32_t)> inode_in_use;  // the inode bitmap
    // Whether the external xattr block holds system.data (reads the block).
    std::function<bool(std::uint64_t block)> block_has_system_data;
    // The filesystem's blocks, [first_data_block, blocks_count); 0: not known.
    std::uint64_t first_data_block = 0;
    std::uint64_t blocks_count = 0;
    // Whether a block inside them reads as an xattr block (magic, h_blocks 1).
    std::function<bool(std::uint64_t block)> xattr_block_valid;
};

// Whether an inode can matter to verify at all; everything else is skipped
// without parsing (most inodes of a filesystem: no flag, no in-inode xattrs).
bool inode_needs_check(std::span<const std::uint8_t> raw);

// All findings for one in-use inode. `checksum_ok` is the metadata_csum result.
std::vector<Finding> check_inode(const InodeContext& ctx, std::uint32_t ino, std::span<const std::uint8_t> raw,
                                 const InlineLayout& layout, bool checksum_ok);

// Counts over the inline inodes of the filesystem.
struct InlineSummary {
    // Histogram of the inline size in use: bucket i holds sizes up to
    // size_bucket_limits[i] (the last one: anything larger).
    static constexpr std::array<std::uint64_t, 7> size_bucket_limits = {60, 64, 128, 256, 512, 1024, UINT64_MAX};
    std::uint64_t inodes_in_use = 0;
    std::uint64_t inodes_checked = 0;     // parsed (inline or with in-inode xattrs)
    std::uint64_t inline_files = 0, inline_dirs = 0, inline_symlinks = 0, inline_other = 0;
    std::array<std::uint64_t, size_bucket_limits.size()> size_histogram{};
    std::uint64_t bytes_in_use = 0;       // sum of inline sizes in use
    std::uint64_t capacity = 0;           // sum of capacities
    std::uint64_t at_capacity = 0;        // inodes whose inline size equals capacity
    void count(const InlineLayout& l);
};

struct VerifyReport {
    std::string image;
    std::uint32_t inodes_count = 0;
    std::vector<Finding> findings;   // ordered by inode
    InlineSummary summary;
    std::size_t errors() const;
    std::size_t warnings() const;
};

struct ScanOptions {
    // Called at the start of each block group: (group, group count).
    std::function<void(std::uint32_t, std::uint32_t)> progress;
    bool resolve_paths = true;
};

// Whether a raw inode's metadata_csum checksum is right (same answer as
// ext2fs_inode_csum_verify, with the CPU's crc32c instruction where present).
bool inode_checksum_matches(ext2_filsys fs, std::uint32_t ino, std::span<const std::uint8_t> raw);

// Scan every in-use inode of an open filesystem with an inode-table scan
// (ext2fs_open_inode_scan), check each, then name the findings' inodes by a
// directory walk. An Error (libext2fs's code, what was being done, the inode)
// when the scan cannot go on: an inode table or a directory that cannot be
// read is never taken for empty.
Result<VerifyReport> scan_inline_inodes(ext2_filsys fs, const ScanOptions& options);

// The first path that reaches each wanted inode, by a bounded walk from the
// root (inline directories parsed by our parser, others by libext2fs).
// An Error when a directory on the way cannot be read.
Result<void> name_inodes(ext2_filsys fs, std::vector<Finding>& findings);
// The inode of NAME in directory DIR, 0 when not found; an Error when DIR
// cannot be read.
Result<std::uint32_t> lookup_entry(ext2_filsys fs, std::uint32_t dir, std::string_view name);

// Reports: the human text and the JSON document of e4inline(8).
std::string verify_text(const VerifyReport& r);
nlohmann::ordered_json verify_json(const VerifyReport& r);

}  // namespace e4inline

#include "e4inline/filesystem.hpp"

namespace e4inline {

// verify an opened filesystem; an Error only when the scan itself fails.
Result<VerifyReport> verify(const Filesystem& fs, const ScanOptions& options = {});

}  // namespace e4inline
