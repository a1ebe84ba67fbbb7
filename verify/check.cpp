// The inline-data invariants of one inode, as findings.
#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "lib/ondisk.hpp"
#include "verify/verify.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

using FC = FindingCode;
constexpr Severity E = Severity::error;
constexpr Severity W = Severity::warning;

// e2fsck's names are from e2fsck/problem.h, matched to the message e2fsck -fn
// 1.47.0 prints for the crafted corruption; "" where it has no check of its own
// (on xattr-unterminated, e2fsck -n aborts before naming a problem).
constexpr FindingInfo catalog[] = {
    {FC::flag_without_feature, "flag-without-feature", E, "PR_1_INLINE_DATA_FEATURE",
     "inline data flag on a filesystem without the inline_data feature"},
    {FC::system_data_missing, "system-data-missing", E, "PR_1_INLINE_DATA_NO_ATTR",
     "inline data flag set but no system.data xattr"},
    {FC::system_data_outside_body, "system-data-outside-body", E, "",
     "system.data only in the external xattr block, where the kernel never reads it"},
    {FC::system_data_value_inum, "system-data-value-inum", E, "PR_1_ATTR_VALUE_EA_INODE",
     "system.data entry points to an EA inode (e_value_inum != 0)"},
    {FC::system_data_without_flag, "system-data-without-flag", W, "",
     "system.data xattr on an inode without the inline data flag"},
    {FC::system_data_duplicate, "system-data-duplicate", E, "",
     "more than one system.data entry"},
    {FC::inline_and_extents, "inline-and-extents", E, "PR_1_CLEAR_EXTENT_FOR_INLINE_DATA",
     "both INLINE_DATA and EXTENTS flags set"},
    {FC::inline_on_special, "inline-on-special", E, "PR_1_SPECIAL_EXTENTS_IDATA",
     "inline data flag on a device, fifo or socket"},
    {FC::size_past_inline, "size-past-inline", E, "",
     "regular file's i_size is larger than its inline size in use (e2fsck does not check)"},
    {FC::inline_size_past_capacity, "inline-size-past-capacity", E, "",
     "inline size in use is larger than the inode's capacity"},
    {FC::extra_isize_invalid, "extra-isize-invalid", E, "PR_1_EXTRA_ISIZE",
     "i_extra_isize not a multiple of 4 or past the inode"},
    {FC::xattr_bad_magic, "xattr-bad-magic", E, "PR_1_INLINE_DATA_NO_ATTR",
     "in-inode xattr header magic is neither 0 nor 0xEA020000"},
    {FC::xattr_unterminated, "xattr-unterminated", E, "",
     "in-inode xattr entry list has no end marker"},
    {FC::xattr_entry_out_of_bounds, "xattr-entry-out-of-bounds", E, "PR_1_INODE_EA_ALLOC_COLLISION",
     "in-inode xattr entry runs past the inode"},
    {FC::xattr_value_out_of_bounds, "xattr-value-out-of-bounds", E, "PR_1_ATTR_VALUE_SIZE",
     "in-inode xattr value lies outside the xattr area"},
    {FC::xattr_overlap, "xattr-overlap", E, "PR_1_INODE_EA_ALLOC_COLLISION",
     "in-inode xattr values overlap"},
    {FC::blocks_without_xattr_block, "blocks-without-xattr-block", E, "PR_1_BAD_I_BLOCKS",
     "inline inode with i_blocks != 0 and no xattr block"},
    {FC::dir_parent_bad, "dir-parent-bad", E, "PR_2_BAD_INO",
     "inline directory's parent inode is 0, out of range or unused"},
    {FC::dir_size_unaligned, "dir-size-unaligned", E, "PR_1_BAD_I_SIZE",
     "inline directory's i_size is not a multiple of 4"},
    {FC::dir_size_mismatch, "dir-size-mismatch", E, "PR_1_BAD_I_SIZE",
     "inline directory's i_size differs from its inline size"},
    {FC::dir_chain_broken, "dir-chain-broken", E, "PR_2_DIR_CORRUPTED",
     "inline directory rec_len too small, unaligned or past its region"},
    {FC::dir_chain_short, "dir-chain-short", E, "PR_2_DIR_CORRUPTED",
     "inline directory rec_len chain does not reach the end of its region"},
    {FC::dir_name_past_rec_len, "dir-name-past-rec-len", E, "PR_2_DIR_CORRUPTED",
     "inline directory entry's name_len runs past its rec_len"},
    {FC::dir_entry_inode_out_of_range, "dir-entry-inode-out-of-range", E, "PR_2_BAD_INO",
     "inline directory entry names an inode number out of range"},
    {FC::dir_entry_inode_unused, "dir-entry-inode-unused", E, "PR_2_UNUSED_INODE",
     "inline directory entry names an unused inode"},
    {FC::symlink_size_mismatch, "symlink-size-mismatch", E, "PR_2_INVALID_SYMLINK",
     "inline symlink's i_size differs from its inline size"},
    {FC::symlink_bad_flags, "symlink-bad-flags", E, "PR_2_INVALID_SYMLINK",
     "inline symlink with the INDEX flag (with EXTENTS it is inline-and-extents)"},
    {FC::lost_found_inline, "lost-found-inline", E, "PR_3_LPF_INLINE_DATA",
     "lost+found is an inline directory"},
    {FC::inode_checksum_bad, "inode-checksum-bad", E, "PR_1_INODE_ONLY_CSUM_INVALID",
     "inode checksum does not match (metadata_csum)"},
    {FC::xattr_block_out_of_range, "xattr-block-out-of-range", E, "PR_2_FILE_ACL_BAD",
     "inline inode's i_file_acl lies outside the filesystem's blocks"},
    {FC::xattr_block_bad, "xattr-block-bad", E, "PR_1_BAD_EA_BLOCK",
     "inline inode's i_file_acl names a block that is not an xattr block"},
};

using bytes::le16;
using bytes::le32;

Finding make(FC code, std::uint32_t ino, std::string detail,
             std::vector<std::pair<std::string, std::uint64_t>> raw = {}) {
    return Finding{code, ino, {}, std::move(detail), std::move(raw)};
}

// The parser's structural problems, as findings (the same names).
std::optional<FC> from_layout_problem(LayoutProblem p) {
    switch (p) {
    case LayoutProblem::extra_isize_invalid: return FC::extra_isize_invalid;
    case LayoutProblem::xattr_bad_magic: return FC::xattr_bad_magic;
    case LayoutProblem::xattr_unterminated: return FC::xattr_unterminated;
    case LayoutProblem::xattr_entry_out_of_bounds: return FC::xattr_entry_out_of_bounds;
    case LayoutProblem::xattr_value_out_of_bounds: return FC::xattr_value_out_of_bounds;
    case LayoutProblem::xattr_overlap: return FC::xattr_overlap;
    case LayoutProblem::system_data_duplicate: return FC::system_data_duplicate;
    case LayoutProblem::dir_chain_broken: return FC::dir_chain_broken;
    case LayoutProblem::dir_chain_short: return FC::dir_chain_short;
    case LayoutProblem::dir_name_past_rec_len: return FC::dir_name_past_rec_len;
    // e_value_inum is legal for other xattrs (ea_inode); only system.data's
    // is checked, below. A truncated inode cannot come from an inode scan.
    case LayoutProblem::xattr_value_inum:
    case LayoutProblem::inode_truncated: return std::nullopt;
    }
    return std::nullopt;
}

// The entry table could not be read to its end: system.data may be there.
bool xattr_area_unreadable(const InlineLayout& l) {
    return l.has(LayoutProblem::extra_isize_invalid) || l.has(LayoutProblem::xattr_bad_magic) ||
           l.has(LayoutProblem::xattr_unterminated) || l.has(LayoutProblem::xattr_entry_out_of_bounds);
}

bool is_special(FileType t) {
    return t == FileType::chardev || t == FileType::blockdev || t == FileType::fifo || t == FileType::socket;
}

void check_directory(const InodeContext& ctx, std::uint32_t ino, const InlineLayout& l, std::vector<Finding>& out) {
    const std::uint32_t parent = l.dir_parent.value_or(0);
    if (parent == 0 || parent > ctx.inodes_count)
        out.push_back(make(FC::dir_parent_bad, ino,
                           fmt::format("parent inode {} is out of range (1..{})", parent, ctx.inodes_count),
                           {{"parent", parent}, {"inodes_count", ctx.inodes_count}}));
    else if (ctx.inode_in_use && !ctx.inode_in_use(parent))
        out.push_back(make(FC::dir_parent_bad, ino, fmt::format("parent inode {} is not in use", parent),
                           {{"parent", parent}}));
    for (const auto& d : l.dir_entries) {
        if (d.inode == 0)
            continue;
        if (d.inode > ctx.inodes_count)
            out.push_back(make(FC::dir_entry_inode_out_of_range, ino,
                               fmt::format("entry at inline offset {} names inode {} (1..{})", d.offset, d.inode,
                                           ctx.inodes_count),
                               {{"offset", d.offset}, {"entry_inode", d.inode}, {"inodes_count", ctx.inodes_count}}));
        else if (ctx.inode_in_use && !ctx.inode_in_use(d.inode))
            out.push_back(make(FC::dir_entry_inode_unused, ino,
                               fmt::format("entry at inline offset {} names unused inode {}", d.offset, d.inode),
                               {{"offset", d.offset}, {"entry_inode", d.inode}}));
    }
}

}  // namespace

const char* severity_name(Severity s) { return s == Severity::error ? "error" : "warning"; }

std::span<const FindingInfo> finding_catalog() { return catalog; }

const FindingInfo& finding_info(FindingCode code) { return catalog[static_cast<std::size_t>(code)]; }

const FindingInfo* find_finding(std::string_view name) {
    for (const auto& f : catalog)
        if (name == f.name)
            return &f;
    return nullptr;
}

bool inode_needs_check(std::span<const std::uint8_t> raw) {
    if (raw.size() <= od::good_old_inode_size)
        return raw.size() >= od::good_old_inode_size && (le32(raw, od::off_flags) & od::fl_inline_data);
    if (le32(raw, od::off_flags) & od::fl_inline_data)
        return true;
    const std::size_t extra = le16(raw, od::off_extra_isize);
    const std::size_t header = od::good_old_inode_size + extra;
    // An invalid i_extra_isize hides whatever xattrs there are: look closer.
    if (extra % 4 != 0 || header > raw.size())
        return true;
    return header + od::xattr_ibody_header_size <= raw.size() && le32(raw, header) != 0;
}

namespace {

// An inline inode where inline data cannot be: without the feature, beside
// EXT4_EXTENTS_FL, on a device, fifo or socket.
void check_inline_flag_allowed(const InodeContext& ctx, std::uint32_t ino, const InlineLayout& l,
                               std::vector<Finding>& out) {
    if (!ctx.fs_has_inline_data)
        out.push_back(make(FC::flag_without_feature, ino,
                           fmt::format("flags 0x{:08x}, superblock lacks inline_data", l.flags),
                           {{"flags", l.flags}}));
    if (l.extents_flag())
        out.push_back(make(FC::inline_and_extents, ino, fmt::format("flags 0x{:08x}", l.flags),
                           {{"flags", l.flags}}));
    if (is_special(l.type))
        out.push_back(make(FC::inline_on_special, ino,
                           fmt::format("a {} (mode 0{:o}) with flags 0x{:08x}", file_type_name(l.type), l.mode,
                                       l.flags),
                           {{"mode", l.mode}, {"flags", l.flags}}));
}

// An inline inode's system.data SD belongs in the inode body: missing, or in
// the xattr block (when the area could be read at all).
void check_system_data_place(const InodeContext& ctx, std::uint32_t ino, const InlineLayout& l, const XattrEntry* sd,
                             std::vector<Finding>& out) {
    if (sd || xattr_area_unreadable(l))
        return;
    if (l.file_acl != 0 && ctx.block_has_system_data && ctx.block_has_system_data(l.file_acl))
        out.push_back(make(FC::system_data_outside_body, ino,
                           fmt::format("system.data is in xattr block {}, not in the inode", l.file_acl),
                           {{"file_acl", l.file_acl}}));
    else
        out.push_back(make(FC::system_data_missing, ino, "no system.data entry in the inode body",
                           {{"xattr_entries", l.xattrs.size()}}));
}

// An inline inode's xattr block (i_file_acl) and i_blocks.
void check_xattr_block(const InodeContext& ctx, std::uint32_t ino, const InlineLayout& l, std::vector<Finding>& out) {
    // The kernel refuses such an inode in ext4_iget ("bad extended
    // attribute block"); e2fsck clears i_file_acl in pass 2 when it is
    // out of range (process_bad_inode), in pass 1 when the block has no
    // xattr magic (check_ext_attr).
    if (l.file_acl != 0 && ctx.blocks_count != 0 &&
        (l.file_acl < ctx.first_data_block || l.file_acl >= ctx.blocks_count))
        out.push_back(make(FC::xattr_block_out_of_range, ino,
                           fmt::format("i_file_acl {} is outside blocks [{}, {})", l.file_acl,
                                       ctx.first_data_block, ctx.blocks_count),
                           {{"file_acl", l.file_acl}, {"blocks_count", ctx.blocks_count}}));
    else if (l.file_acl != 0 && ctx.xattr_block_valid && !ctx.xattr_block_valid(l.file_acl))
        out.push_back(make(FC::xattr_block_bad, ino,
                           fmt::format("block {} (i_file_acl) has no xattr block header", l.file_acl),
                           {{"file_acl", l.file_acl}}));
    if (l.blocks != 0 && l.file_acl == 0)
        out.push_back(make(FC::blocks_without_xattr_block, ino,
                           fmt::format("i_blocks {} with no xattr block", l.blocks), {{"i_blocks", l.blocks}}));
}

// i_size against the inline size and the capacity, once system.data SD was read.
void check_inline_sizes(std::uint32_t ino, const InlineLayout& l, const XattrEntry* sd, std::vector<Finding>& out) {
    // The sizes mean something only when the system.data value was read.
    const bool value_known = sd && sd->value_inum == 0 && (sd->value_size == 0 || sd->value_in_bounds);
    if (value_known && !is_special(l.type)) {
        if (l.inline_size > l.capacity)
            out.push_back(make(FC::inline_size_past_capacity, ino,
                               fmt::format("inline size {} > capacity {}", l.inline_size, l.capacity),
                               {{"inline_size", l.inline_size}, {"capacity", l.capacity}}));
        if (l.type == FileType::regular && l.size > l.inline_size)
            out.push_back(make(FC::size_past_inline, ino,
                               fmt::format("i_size {} > inline size {}", l.size, l.inline_size),
                               {{"i_size", l.size}, {"inline_size", l.inline_size}}));
        if (l.type == FileType::directory) {
            if (l.size % 4 != 0)
                out.push_back(make(FC::dir_size_unaligned, ino, fmt::format("i_size {}", l.size),
                                   {{"i_size", l.size}, {"inline_size", l.inline_size}}));
            else if (l.size != l.inline_size)
                out.push_back(make(FC::dir_size_mismatch, ino,
                                   fmt::format("i_size {} != inline size {}", l.size, l.inline_size),
                                   {{"i_size", l.size}, {"inline_size", l.inline_size}}));
        }
        if (l.type == FileType::symlink && l.size != l.inline_size)
            out.push_back(make(FC::symlink_size_mismatch, ino,
                               fmt::format("i_size {} != inline size {}", l.size, l.inline_size),
                               {{"i_size", l.size}, {"inline_size", l.inline_size}}));
    }
}

}  // namespace

std::vector<Finding> check_inode(const InodeContext& ctx, std::uint32_t ino, std::span<const std::uint8_t> raw,
                                 const InlineLayout& l, bool checksum_ok) {
    std::vector<Finding> out;
    const bool inline_flag = l.inline_flag();

    for (const auto& issue : l.issues)
        if (auto code = from_layout_problem(issue.problem))
            out.push_back(make(*code, ino, issue.detail));

    const XattrEntry* sd = l.system_data ? &l.xattrs[*l.system_data] : nullptr;
    if (sd && sd->value_inum != 0)
        out.push_back(make(FC::system_data_value_inum, ino,
                           fmt::format("system.data at offset {} has e_value_inum {}", sd->entry_offset,
                                       sd->value_inum),
                           {{"entry_offset", sd->entry_offset}, {"e_value_inum", sd->value_inum}}));

    if (!inline_flag) {
        if (sd)
            out.push_back(make(FC::system_data_without_flag, ino,
                               fmt::format("system.data entry at offset {} (value {} bytes), flags 0x{:08x}",
                                           sd->entry_offset, sd->value_size, l.flags),
                               {{"flags", l.flags}, {"value_size", sd->value_size}}));
    } else {
        check_inline_flag_allowed(ctx, ino, l, out);
        check_system_data_place(ctx, ino, l, sd, out);
        check_xattr_block(ctx, ino, l, out);
        check_inline_sizes(ino, l, sd, out);
        if (l.type == FileType::symlink && (l.flags & od::fl_index))
            out.push_back(make(FC::symlink_bad_flags, ino, fmt::format("flags 0x{:08x}", l.flags),
                               {{"flags", l.flags}}));
        if (l.type == FileType::directory)
            check_directory(ctx, ino, l, out);
        if (ino == ctx.lost_found_ino && ino != 0)
            out.push_back(make(FC::lost_found_inline, ino, "lost+found must be a block directory",
                               {{"flags", l.flags}}));
    }
    if (ctx.metadata_csum && !checksum_ok && (inline_flag || sd)) {
        const std::uint32_t stored = stored_inode_checksum(raw);
        out.push_back(make(FC::inode_checksum_bad, ino, fmt::format("stored checksum 0x{:08x} does not match", stored),
                           {{"stored_checksum", stored}}));
    }
    return out;
}

void InlineSummary::count(const InlineLayout& l) {
    if (!l.inline_flag())
        return;
    switch (l.type) {
    case FileType::regular: ++inline_files; break;
    case FileType::directory: ++inline_dirs; break;
    case FileType::symlink: ++inline_symlinks; break;
    default: ++inline_other; break;
    }
    for (std::size_t i = 0; i < size_bucket_limits.size(); ++i)
        if (l.inline_size <= size_bucket_limits[i]) {
            ++size_histogram[i];
            break;
        }
    bytes_in_use += l.inline_size;
    capacity += l.capacity;
    if (l.inline_size == l.capacity)
        ++at_capacity;
}

std::size_t VerifyReport::errors() const {
    return std::count_if(findings.begin(), findings.end(),
                         [](const Finding& f) { return finding_info(f.code).severity == Severity::error; });
}

std::size_t VerifyReport::warnings() const { return findings.size() - errors(); }

}  // namespace e4inline
