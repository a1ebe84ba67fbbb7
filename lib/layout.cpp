#include "e4inline/layout.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "lib/capacity.hpp"
#include "lib/ondisk.hpp"
#include "lib/text.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

using bytes::le16;
using bytes::le32;

// The raw inode alone does not tell the cluster size, so an inode with an
// xattr block leaves the decision to its size.
bool fast_symlink(const InlineLayout& l) {
    const auto xattr_block_sectors = l.file_acl ? std::nullopt : std::optional<std::uint64_t>(0);
    return is_fast_symlink(l.mode, l.flags, l.size, l.blocks, xattr_block_sectors);
}

FileType type_of(std::uint16_t mode) {
    switch (mode & 0xF000) {
    case 0x8000: return FileType::regular;
    case 0x4000: return FileType::directory;
    case 0xA000: return FileType::symlink;
    case 0x2000: return FileType::chardev;
    case 0x6000: return FileType::blockdev;
    case 0x1000: return FileType::fifo;
    case 0xC000: return FileType::socket;
    default: return FileType::unknown;
    }
}

const char* index_prefix(std::uint8_t index) {
    // e2fsprogs lib/ext2fs/ext_attr.c and the kernel's xattr handlers
    switch (index) {
    case 1: return "user.";
    case 2: return "system.posix_acl_access";
    case 3: return "system.posix_acl_default";
    case 4: return "trusted.";
    case 6: return "security.";
    case 7: return "system.";
    case 8: return "system.richacl";
    default: return nullptr;
    }
}

void add_issue(InlineLayout& l, LayoutProblem p, std::string detail) {
    l.issues.push_back({p, std::move(detail)});
}

// The entry table from FIRST up to its end word (or the first way it is
// malformed): every entry, with its name. Bounded by the inode size: every
// step advances >= 16. True when the end word was found.
bool parse_xattr_entries(std::span<const std::uint8_t> raw, std::size_t first, InlineLayout& l, std::size_t& off) {
    const std::size_t end = raw.size();
    for (off = first;;) {
        if (off + 4 > end) {
            add_issue(l, LayoutProblem::xattr_unterminated,
                      fmt::format("entry table reaches offset {} without an end marker", off));
            return false;
        }
        if (le32(raw, off) == 0)
            return true;
        if (off + od::xattr_entry_fixed_size > end) {
            add_issue(l, LayoutProblem::xattr_entry_out_of_bounds,
                      fmt::format("entry at offset {} needs 16 bytes, inode ends at {}", off, end));
            return false;
        }
        XattrEntry e;
        const std::uint8_t name_len = raw[off];
        e.name_index = raw[off + 1];
        e.value_offs = le16(raw, off + 2);
        e.value_inum = le32(raw, off + 4);
        e.value_size = le32(raw, off + 8);
        e.hash = le32(raw, off + 12);
        e.entry_offset = off;
        const std::size_t entry_len = od::xattr_entry_len(name_len);
        if (off + entry_len > end) {
            add_issue(l, LayoutProblem::xattr_entry_out_of_bounds,
                      fmt::format("entry at offset {} with name_len {} ends at {}, inode ends at {}", off,
                                  name_len, off + entry_len, end));
            return false;
        }
        e.name.assign(reinterpret_cast<const char*>(raw.data() + off + od::xattr_entry_fixed_size), name_len);
        l.xattrs.push_back(std::move(e));
        off += entry_len;
    }
}

// Values: e_value_offs counts from the first entry; a value must lie after
// the entry table's end (TABLE_END) and inside the inode (END).
void check_xattr_values(std::size_t first, std::size_t table_end, std::size_t end, InlineLayout& l) {
    for (auto& e : l.xattrs) {
        if (e.value_inum != 0) {
            add_issue(l, LayoutProblem::xattr_value_inum,
                      fmt::format("{} at offset {} has e_value_inum {}", printable(e.full_name()), e.entry_offset, e.value_inum));
            continue;
        }
        if (e.value_size == 0)
            continue;
        const std::size_t vstart = first + e.value_offs;
        const std::size_t vend = vstart + e.value_size;
        if (vstart < table_end || vend > end) {
            add_issue(l, LayoutProblem::xattr_value_out_of_bounds,
                      fmt::format("{} value at offset {} size {} is outside [{}, {})", printable(e.full_name()), vstart,
                                  e.value_size, table_end, end));
            continue;
        }
        e.value_offset = vstart;
        e.value_in_bounds = true;
    }
}

// Every pair of in-bounds values that share a byte.
void check_xattr_overlaps(InlineLayout& l) {
    for (std::size_t i = 0; i < l.xattrs.size(); ++i) {
        const auto& a = l.xattrs[i];
        if (!a.value_in_bounds)
            continue;
        for (std::size_t j = i + 1; j < l.xattrs.size(); ++j) {
            const auto& b = l.xattrs[j];
            if (!b.value_in_bounds)
                continue;
            if (a.value_offset < b.value_offset + b.value_size && b.value_offset < a.value_offset + a.value_size)
                add_issue(l, LayoutProblem::xattr_overlap,
                          fmt::format("{} value [{}, {}) overlaps {} value [{}, {})", printable(a.full_name()), a.value_offset,
                                      a.value_offset + a.value_size, printable(b.full_name()), b.value_offset,
                                      b.value_offset + b.value_size));
        }
    }
}

// The first system.data entry; a second one is a problem.
void find_system_data(InlineLayout& l) {
    for (std::size_t i = 0; i < l.xattrs.size(); ++i) {
        if (!l.xattrs[i].is_system_data())
            continue;
        if (l.system_data) {
            add_issue(l, LayoutProblem::system_data_duplicate,
                      fmt::format("second system.data entry at offset {}", l.xattrs[i].entry_offset));
            continue;
        }
        l.system_data = i;
    }
}

// Walk the in-inode xattr area: its header, the entry table, the values, the
// free space and system.data, recording every way the area is malformed.
void parse_xattrs(std::span<const std::uint8_t> raw, InlineLayout& l) {
    const std::size_t end = raw.size();
    l.xattr_area_offset = od::good_old_inode_size + l.extra_isize;
    if (l.xattr_area_offset + od::xattr_ibody_header_size > end)
        return;
    l.xattr_area_present = true;
    l.xattr_magic = le32(raw, l.xattr_area_offset);
    // Without a valid header the whole area is free: room for entries, values
    // and the end word.
    const std::size_t area = end - l.xattr_area_offset - od::xattr_ibody_header_size;
    l.xattr_free = area >= 4 ? area - 4 : 0;
    if (l.xattr_magic != od::xattr_magic) {
        if (l.xattr_magic != 0)
            add_issue(l, LayoutProblem::xattr_bad_magic,
                      fmt::format("magic 0x{:08x} at offset {}", l.xattr_magic, l.xattr_area_offset));
        return;
    }
    l.xattr_magic_ok = true;
    const std::size_t first = l.xattr_area_offset + od::xattr_ibody_header_size;
    std::size_t off = first;
    const bool terminated = parse_xattr_entries(raw, first, l, off);
    l.xattr_entries_bytes = off - first;
    check_xattr_values(first, terminated ? off + 4 : off, end, l);
    check_xattr_overlaps(l);

    // Free space as the kernel counts it: from the end word to the lowest value.
    const std::size_t min_offs = lowest_xattr_value_offs(l, area);
    const std::size_t used = l.xattr_entries_bytes + 4;
    l.xattr_free = min_offs > used ? min_offs - used : 0;
    find_system_data(l);
}

// One rec_len chain of an inline directory over [begin, end) of the data.
void parse_dir_chain(const std::vector<std::uint8_t>& data, std::size_t begin, std::size_t end, int region,
                     InlineLayout& l) {
    std::span<const std::uint8_t> b(data);
    std::size_t off = begin;
    while (off < end) {
        if (off + od::dirent_header_size > end) {
            // The chain stops short: the gap left is too small to hold an entry.
            add_issue(l, LayoutProblem::dir_chain_short,
                      fmt::format("chain ends at inline offset {}, region ends at {}", off, end));
            return;
        }
        InlineDirEntry d;
        d.inode = le32(b, off);
        d.rec_len = le16(b, off + 4);
        d.name_len = b[off + 6];
        d.file_type = b[off + 7];
        d.offset = off;
        d.region = region;
        if (d.rec_len < od::dirent_header_size || d.rec_len % 4 != 0 || off + d.rec_len > end) {
            add_issue(l, LayoutProblem::dir_chain_broken,
                      fmt::format("entry at inline offset {} has rec_len {} (region [{}, {}))", off, d.rec_len,
                                  begin, end));
            return;
        }
        std::size_t name_len = d.name_len;
        if (od::dirent_header_size + name_len > d.rec_len) {
            add_issue(l, LayoutProblem::dir_name_past_rec_len,
                      fmt::format("entry at inline offset {} has name_len {} but rec_len {}", off, d.name_len,
                                  d.rec_len));
            name_len = d.rec_len - od::dirent_header_size;
        }
        d.name.assign(reinterpret_cast<const char*>(data.data() + off + od::dirent_header_size), name_len);
        l.dir_entries.push_back(std::move(d));
        off += l.dir_entries.back().rec_len;
    }
    if (off != end)
        add_issue(l, LayoutProblem::dir_chain_short,
                  fmt::format("chain ends at inline offset {}, region ends at {}", off, end));
}

void classify(InlineLayout& l, bool fs_has_inline_data) {
    const bool has_data_type =
        l.type == FileType::regular || l.type == FileType::directory || l.type == FileType::symlink;
    if (l.inline_flag()) {
        l.storage = Storage::inline_data;
        // The kernel counts the 60 bytes of i_block as in use for any inline
        // inode (ext4_get_inline_size: EXT4_MIN_INLINE_DATA_SIZE plus the
        // system.data value), however small i_size is: say so where it shows.
        const bool i_block_only = l.inline_size == od::i_block_size && l.size < od::i_block_size;
        l.storage_reason = fmt::format("EXT4_INLINE_DATA_FL is set: {} bytes in use{} of a capacity of {}",
                                       l.inline_size, i_block_only ? " (i_block is always in use)" : "",
                                       l.capacity);
        return;
    }
    std::string why_not;
    if (!fs_has_inline_data)
        why_not = "the filesystem does not have the inline_data feature";
    else if (l.extra_isize == 0)
        why_not = "i_extra_isize is 0, which leaves no in-inode xattr space (capacity 0)";
    else if (has_data_type && l.size > l.capacity)
        why_not = fmt::format("i_size {} exceeds the inline capacity of {}", l.size, l.capacity);
    else
        why_not = "EXT4_INLINE_DATA_FL is not set";

    if (!has_data_type) {
        l.storage = Storage::special;
        l.storage_reason = fmt::format("a {} has no data to store inline", file_type_name(l.type));
    } else if (fast_symlink(l)) {
        l.storage = Storage::fast_symlink;
        l.storage_reason = fmt::format(
            "fast symlink: the {}-byte target is in i_block without the inline flag (targets under 60 bytes)",
            l.size);
    } else if (l.extents_flag()) {
        l.storage = Storage::extents;
        l.storage_reason = "mapped by extents (EXT4_EXTENTS_FL); not inline: " + why_not;
    } else if (l.size == 0 && l.blocks == 0) {
        l.storage = Storage::empty;
        l.storage_reason = "no data and no blocks; not inline: " + why_not;
    } else {
        l.storage = Storage::block_map;
        l.storage_reason = "mapped by the indirect block map; not inline: " + why_not;
    }
}

}  // namespace

const char* layout_problem_name(LayoutProblem p) {
    switch (p) {
    case LayoutProblem::inode_truncated: return "inode-truncated";
    case LayoutProblem::extra_isize_invalid: return "extra-isize-invalid";
    case LayoutProblem::xattr_bad_magic: return "xattr-bad-magic";
    case LayoutProblem::xattr_unterminated: return "xattr-unterminated";
    case LayoutProblem::xattr_entry_out_of_bounds: return "xattr-entry-out-of-bounds";
    case LayoutProblem::xattr_value_out_of_bounds: return "xattr-value-out-of-bounds";
    case LayoutProblem::xattr_overlap: return "xattr-overlap";
    case LayoutProblem::xattr_value_inum: return "xattr-value-inum";
    case LayoutProblem::system_data_duplicate: return "system-data-duplicate";
    case LayoutProblem::dir_chain_broken: return "dir-chain-broken";
    case LayoutProblem::dir_chain_short: return "dir-chain-short";
    case LayoutProblem::dir_name_past_rec_len: return "dir-name-past-rec-len";
    }
    return "unknown";
}

const char* file_type_name(FileType t) {
    switch (t) {
    case FileType::regular: return "regular";
    case FileType::directory: return "directory";
    case FileType::symlink: return "symlink";
    case FileType::chardev: return "chardev";
    case FileType::blockdev: return "blockdev";
    case FileType::fifo: return "fifo";
    case FileType::socket: return "socket";
    case FileType::unknown: break;
    }
    return "unknown";
}

const char* storage_name(Storage s) {
    switch (s) {
    case Storage::inline_data: return "inline";
    case Storage::extents: return "extents";
    case Storage::block_map: return "blockmap";
    case Storage::fast_symlink: return "fast-symlink";
    case Storage::empty: return "empty";
    case Storage::special: return "special";
    }
    return "unknown";
}

std::string XattrEntry::full_name() const {
    const char* prefix = index_prefix(name_index);
    if (!prefix)
        return fmt::format("[index {}]{}", name_index, name);
    return std::string(prefix) + name;
}

bool XattrEntry::is_system_data() const {
    return name_index == od::xattr_index_system && name == od::system_data_name;
}

bool InlineLayout::inline_flag() const { return flags & od::fl_inline_data; }
bool InlineLayout::extents_flag() const { return flags & od::fl_extents; }

bool InlineLayout::has(LayoutProblem p) const {
    return std::any_of(issues.begin(), issues.end(), [p](const LayoutIssue& i) { return i.problem == p; });
}

std::vector<std::uint8_t> InlineLayout::inline_bytes() const {
    std::vector<std::uint8_t> out(i_block.begin(), i_block.end());
    out.insert(out.end(), system_data_value.begin(), system_data_value.end());
    return out;
}

InlineLayout parse_inline_layout(std::span<const std::uint8_t> raw, bool fs_has_inline_data) {
    InlineLayout l;
    l.inode_size = raw.size();
    if (raw.size() < od::good_old_inode_size) {
        add_issue(l, LayoutProblem::inode_truncated, fmt::format("{} bytes, need at least 128", raw.size()));
        return l;
    }
    l.mode = le16(raw, od::off_mode);
    l.type = type_of(l.mode);
    l.uid = le16(raw, od::off_uid) | (static_cast<std::uint32_t>(le16(raw, od::off_uid_high)) << 16);
    l.gid = le16(raw, od::off_gid) | (static_cast<std::uint32_t>(le16(raw, od::off_gid_high)) << 16);
    l.links = le16(raw, od::off_links);
    l.flags = le32(raw, od::off_flags);
    l.size = le32(raw, od::off_size_lo) | (static_cast<std::uint64_t>(le32(raw, od::off_size_high)) << 32);
    l.blocks = le32(raw, od::off_blocks_lo) | (static_cast<std::uint64_t>(le16(raw, od::off_blocks_high)) << 32);
    l.file_acl = le32(raw, od::off_file_acl_lo) | (static_cast<std::uint64_t>(le16(raw, od::off_file_acl_high)) << 32);
    std::memcpy(l.i_block.data(), raw.data() + od::off_block, od::i_block_size);

    // i_extra_isize is the 2 bytes after the first 128 (a truncated inode may lack them).
    if (raw.size() >= od::good_old_inode_size + 2) {
        l.extra_isize = le16(raw, od::off_extra_isize);
        // ext4_iget: 128 + i_extra_isize must fit in the inode and be 4-aligned.
        l.extra_isize_valid =
            l.extra_isize % 4 == 0 && od::good_old_inode_size + l.extra_isize <= raw.size();
        if (!l.extra_isize_valid)
            add_issue(l, LayoutProblem::extra_isize_invalid,
                      fmt::format("i_extra_isize {} with inode size {}", l.extra_isize, raw.size()));
        // With i_extra_isize 0 the kernel does not look for in-inode xattrs.
        else if (l.extra_isize != 0)
            parse_xattrs(raw, l);
    }

    // Capacity: the kernel's ext4_get_max_inline_size (lib/capacity.cpp).
    l.capacity = max_inline_size(raw.size(), l);

    if (l.system_data) {
        const auto& sd = l.xattrs[*l.system_data];
        if (sd.value_in_bounds)
            l.system_data_value.assign(raw.begin() + sd.value_offset, raw.begin() + sd.value_offset + sd.value_size);
    }
    if (l.inline_flag()) {
        // ext4_find_inline_data_nolock: 60 + the value length of system.data.
        l.inline_size = od::i_block_size + l.system_data_value.size();
        const auto data = l.inline_bytes();
        if (l.type == FileType::directory) {
            l.dir_parent = le32(std::span<const std::uint8_t>(data), 0);
            parse_dir_chain(data, od::inline_dir_parent_size, od::i_block_size, 0, l);
            if (data.size() > od::i_block_size)
                parse_dir_chain(data, od::i_block_size, data.size(), 1, l);
        } else if (l.type == FileType::symlink) {
            const std::size_t n = std::min<std::uint64_t>(l.size, data.size());
            l.symlink_target.emplace(reinterpret_cast<const char*>(data.data()), n);
        }
    } else if (fast_symlink(l)) {
        l.symlink_target.emplace(reinterpret_cast<const char*>(l.i_block.data()), l.size);
    }
    classify(l, fs_has_inline_data);
    return l;
}

}  // namespace e4inline
