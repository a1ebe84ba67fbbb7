// craft: one named corruption per kind. Each edit changes the fewest bytes
// that produce its finding and nothing else, so verify's closed-loop test can
// demand "exactly that finding".
#include "verify/craft.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fmt/format.h>

#include <ext2fs/ext2fs.h>
#include <ext2fs/ext2_ext_attr.h>

#include "e4inline/create.hpp"
#include "lib/create_steps.hpp"
#include "e4inline/layout.hpp"
#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

struct Target {
    Filesystem& fs;
    InodeRef ref;
    std::vector<std::uint8_t> raw;
    InlineLayout layout;
    std::optional<std::string> arg;
};

using CraftFn = Result<std::string> (*)(Target&);

using bytes::le32;
using bytes::put_le16;
using bytes::put_le32;
void put_size(std::vector<std::uint8_t>& b, std::uint64_t size) {
    put_le32(b, od::off_size_lo, static_cast<std::uint32_t>(size));
    put_le32(b, od::off_size_high, static_cast<std::uint32_t>(size >> 32));
}

Error refuse(const Target& t, std::string why) {
    return t.fs.error(ExitCode::not_applicable, std::move(why), t.ref.spec);
}

Result<std::uint64_t> number_arg(const Target& t, std::uint64_t fallback) {
    if (!t.arg)
        return fallback;
    std::uint64_t v = 0;
    const std::string_view s = *t.arg;
    const bool hex = s.rfind("0x", 0) == 0;
    const std::string_view digits = hex ? s.substr(2) : s;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
    if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty())
        return unexpected(plain_error(ExitCode::usage, fmt::format("'{}' is not a number", s)));
    return v;
}

Result<void> write_raw(Target& t, bool with_checksum = true) {
    errcode_t err = ext2fs_write_inode2(t.fs.raw(), t.ref.ino, reinterpret_cast<ext2_inode*>(t.raw.data()),
                                        static_cast<int>(t.raw.size()), with_checksum ? 0 : WRITE_INODE_NOCSUM);
    if (err)
        return unexpected(t.fs.error(err, "writing inode", t.ref.spec));
    return {};
}

Result<void> need_inline(const Target& t, FileType type = FileType::unknown) {
    if (!t.layout.inline_flag())
        return unexpected(refuse(t, "not an inline inode"));
    if (type != FileType::unknown && t.layout.type != type)
        return unexpected(refuse(t, fmt::format("not an inline {}", file_type_name(type))));
    if (!t.layout.system_data)
        return unexpected(refuse(t, "has no system.data entry"));
    return {};
}

std::size_t first_entry(const InlineLayout& l) { return l.xattr_area_offset + od::xattr_ibody_header_size; }
std::size_t end_marker(const InlineLayout& l) { return first_entry(l) + l.xattr_entries_bytes; }
// The lowest byte of any in-inode value: entries must stay below it.
std::size_t lowest_value(const InlineLayout& l) {
    std::size_t low = l.inode_size;
    for (const auto& e : l.xattrs)
        if (e.value_size != 0 && e.value_in_bounds)
            low = std::min(low, e.value_offset);
    return low;
}

// Append an entry where the end marker is, and a new end marker after it.
Result<void> append_entry(Target& t, std::uint8_t index, std::string_view name, std::uint16_t value_offs,
                          std::uint32_t value_size) {
    const std::size_t at = end_marker(t.layout);
    const std::size_t len = od::xattr_entry_len(name.size());
    if (at + len + 4 > lowest_value(t.layout))
        return unexpected(refuse(t, fmt::format("no room for a {}-byte xattr entry", len)));
    std::fill(t.raw.begin() + at, t.raw.begin() + at + len + 4, 0);
    t.raw[at] = static_cast<std::uint8_t>(name.size());
    t.raw[at + 1] = index;
    put_le16(t.raw, at + 2, value_offs);
    put_le32(t.raw, at + 8, value_size);
    std::memcpy(t.raw.data() + at + od::xattr_entry_fixed_size, name.data(), name.size());
    return {};
}

const XattrEntry& system_data(const Target& t) { return t.layout.xattrs[*t.layout.system_data]; }

// ------------------------------------------------------------------ kinds

Result<std::string> system_data_missing(Target& t) {
    E4I_TRY(need_inline(t));
    const auto& sd = system_data(t);
    const std::size_t len = od::xattr_entry_len(sd.name.size());
    const std::size_t end = end_marker(t.layout) + 4;
    std::copy(t.raw.begin() + sd.entry_offset + len, t.raw.begin() + end, t.raw.begin() + sd.entry_offset);
    std::fill(t.raw.begin() + end - len, t.raw.begin() + end, 0);
    E4I_TRY(write_raw(t));
    return fmt::format("removed the system.data entry at offset {}", sd.entry_offset);
}

// Move system.data out of the inode into a new external xattr block (one
// empty system.data entry), where the kernel never looks for it.
Result<std::string> system_data_outside_body(Target& t) {
    E4I_TRY(need_inline(t));
    if (t.layout.file_acl != 0)
        return unexpected(refuse(t, "already has an xattr block"));
    if (system_data(t).value_size != 0)
        return unexpected(refuse(t, "needs an empty system.data value (<= 60 bytes)"));
    ext2_filsys fs = t.fs.raw();
    blk64_t block = 0;
    errcode_t err = ext2fs_new_block2(fs, 0, nullptr, &block);
    if (err)
        return unexpected(t.fs.error(err, "allocating an xattr block for", t.ref.spec));
    std::vector<std::uint8_t> buf(fs->blocksize, 0);
    auto* header = reinterpret_cast<ext2_ext_attr_header*>(buf.data());
    header->h_magic = EXT2_EXT_ATTR_MAGIC;
    header->h_refcount = 1;
    header->h_blocks = 1;
    auto* entry = reinterpret_cast<ext2_ext_attr_entry*>(buf.data() + sizeof(ext2_ext_attr_header));
    entry->e_name_len = 4;
    entry->e_name_index = od::xattr_index_system;
    entry->e_value_offs = 0;
    std::memcpy(buf.data() + sizeof(ext2_ext_attr_header) + od::xattr_entry_fixed_size, od::system_data_name, 4);
    entry->e_hash = ext2fs_ext_attr_hash_entry(entry, buf.data());
    ext2fs_ext_attr_block_rehash(
        header, reinterpret_cast<ext2_ext_attr_entry*>(buf.data() + sizeof(ext2_ext_attr_header) +
                                                       od::xattr_entry_len(4)));
    if ((err = ext2fs_write_ext_attr3(fs, block, buf.data(), t.ref.ino)))
        return unexpected(t.fs.error(err, "writing the xattr block of", t.ref.spec));
    ext2fs_block_alloc_stats2(fs, block, +1);
    // The inode: no system.data entry, the block in i_file_acl and i_blocks.
    const auto& sd = system_data(t);
    const std::size_t len = od::xattr_entry_len(sd.name.size());
    const std::size_t end = end_marker(t.layout) + 4;
    std::copy(t.raw.begin() + sd.entry_offset + len, t.raw.begin() + end, t.raw.begin() + sd.entry_offset);
    std::fill(t.raw.begin() + end - len, t.raw.begin() + end, 0);
    put_le32(t.raw, od::off_file_acl_lo, static_cast<std::uint32_t>(block));
    put_le16(t.raw, od::off_file_acl_high, static_cast<std::uint16_t>(block >> 32));
    put_le32(t.raw, od::off_blocks_lo, static_cast<std::uint32_t>(t.layout.blocks + fs->blocksize / 512));
    E4I_TRY(write_raw(t));
    return fmt::format("moved system.data to the new xattr block {}", block);
}

Result<std::string> system_data_value_inum(Target& t) {
    E4I_TRY(need_inline(t));
    const auto inum = E4I_TRY(number_arg(t, 1));
    put_le32(t.raw, system_data(t).entry_offset + 4, static_cast<std::uint32_t>(inum));
    E4I_TRY(write_raw(t));
    return fmt::format("set system.data e_value_inum to {}", inum);
}

Result<std::string> system_data_without_flag(Target& t) {
    E4I_TRY(need_inline(t, FileType::regular));
    // An empty block-mapped file that still carries system.data.
    put_le32(t.raw, od::off_flags, t.layout.flags & ~od::fl_inline_data);
    std::fill(t.raw.begin() + od::off_block, t.raw.begin() + od::off_block + od::i_block_size, 0);
    put_size(t.raw, 0);
    E4I_TRY(write_raw(t));
    return "cleared INLINE_DATA, i_block and i_size; system.data stays";
}

Result<std::string> system_data_duplicate(Target& t) {
    E4I_TRY(need_inline(t));
    E4I_TRY(append_entry(t, od::xattr_index_system, od::system_data_name, 0, 0));
    E4I_TRY(write_raw(t));
    return fmt::format("added a second, empty system.data entry at offset {}", end_marker(t.layout));
}

Result<std::string> inline_and_extents(Target& t) {
    E4I_TRY(need_inline(t));
    put_le32(t.raw, od::off_flags, t.layout.flags | od::fl_extents);
    E4I_TRY(write_raw(t));
    return "set EXTENTS_FL next to INLINE_DATA_FL";
}

Result<std::string> inline_on_special(Target& t) {
    E4I_TRY(need_inline(t, FileType::regular));
    const std::string what = t.arg.value_or("fifo");
    std::uint16_t type = what == "fifo" ? 0x1000 : what == "chr" ? 0x2000 : what == "blk" ? 0x6000
                       : what == "sock" ? 0xC000 : 0;
    if (!type)
        return unexpected(plain_error(ExitCode::usage, "ARG must be fifo, chr, blk or sock", t.ref.spec));
    put_le16(t.raw, od::off_mode, static_cast<std::uint16_t>((t.layout.mode & 07777) | type));
    E4I_TRY(write_raw(t));
    return fmt::format("made the inline file a {}", what);
}

Result<std::string> size_past_inline(Target& t) {
    E4I_TRY(need_inline(t, FileType::regular));
    const auto extra = E4I_TRY(number_arg(t, 100));
    if (extra == 0)
        return unexpected(plain_error(ExitCode::usage, "ARG must be at least 1", t.ref.spec));
    const std::uint64_t size = t.layout.inline_size + extra;
    put_size(t.raw, size);
    E4I_TRY(write_raw(t));
    return fmt::format("set i_size from {} to {} (inline size {})", t.layout.size, size, t.layout.inline_size);
}

Result<std::string> extra_isize_invalid(Target& t) {
    E4I_TRY(need_inline(t));
    const auto v = E4I_TRY(number_arg(t, 30));
    if (v % 4 == 0 && od::good_old_inode_size + v <= t.raw.size())
        return unexpected(plain_error(ExitCode::usage, "ARG must be unaligned or past the inode", t.ref.spec));
    put_le16(t.raw, od::off_extra_isize, static_cast<std::uint16_t>(v));
    E4I_TRY(write_raw(t));
    return fmt::format("set i_extra_isize from {} to {}", t.layout.extra_isize, v);
}

Result<std::string> xattr_bad_magic(Target& t) {
    E4I_TRY(need_inline(t));
    put_le32(t.raw, t.layout.xattr_area_offset, 0xEA02DEAD);
    E4I_TRY(write_raw(t));
    return fmt::format("set the in-inode xattr magic at offset {} to 0xea02dead", t.layout.xattr_area_offset);
}

Result<std::string> xattr_unterminated(Target& t) {
    E4I_TRY(need_inline(t));
    for (const auto& e : t.layout.xattrs)
        if (e.value_size != 0)
            return unexpected(refuse(t, "needs an inode whose xattr values are all empty (<= 60 bytes)"));
    // Empty-named user.* entries up to the inode's last byte: the list runs
    // off the end exactly, leaving no room for an end marker.
    std::size_t at = end_marker(t.layout);
    std::size_t room = t.raw.size() - at;
    if (room < od::xattr_entry_fixed_size)
        return unexpected(refuse(t, "no room for a filler entry"));
    while (room > 0) {
        const std::size_t tail = room % od::xattr_entry_fixed_size;
        std::size_t len = od::xattr_entry_fixed_size;
        if (tail != 0 && room < 2 * od::xattr_entry_fixed_size)
            len = room;  // the last one takes a name of 4, 8 or 12 bytes
        std::fill(t.raw.begin() + at, t.raw.begin() + at + len, 0);
        t.raw[at] = static_cast<std::uint8_t>(len - od::xattr_entry_fixed_size);
        t.raw[at + 1] = 1;
        for (std::size_t i = od::xattr_entry_fixed_size; i < len; ++i)
            t.raw[at + i] = 'u';
        if (len == od::xattr_entry_fixed_size)
            t.raw[at + 12] = 1;  // a non-zero word even for a 16-byte entry
        at += len;
        room -= len;
    }
    E4I_TRY(write_raw(t));
    return fmt::format("filled offsets {}..{} with xattr entries and no end marker", end_marker(t.layout),
                       t.raw.size());
}

Result<std::string> xattr_entry_out_of_bounds(Target& t) {
    E4I_TRY(need_inline(t));
    const std::size_t at = end_marker(t.layout);
    if (at + od::xattr_entry_fixed_size > lowest_value(t.layout))
        return unexpected(refuse(t, "no room for a 16-byte entry header"));
    std::fill(t.raw.begin() + at, t.raw.begin() + at + od::xattr_entry_fixed_size, 0);
    t.raw[at] = 255;  // its name runs past the inode
    t.raw[at + 1] = 1;
    E4I_TRY(write_raw(t));
    return fmt::format("wrote an entry with name_len 255 at offset {}", at);
}

Result<std::string> xattr_value_out_of_bounds(Target& t) {
    E4I_TRY(need_inline(t));
    const auto& sd = system_data(t);
    put_le32(t.raw, sd.entry_offset + 8, static_cast<std::uint32_t>(t.raw.size()));
    put_le16(t.raw, sd.entry_offset + 2, static_cast<std::uint16_t>(sd.value_size ? sd.value_offs : 4));
    E4I_TRY(write_raw(t));
    return fmt::format("set system.data e_value_size to {}", t.raw.size());
}

Result<std::string> xattr_overlap(Target& t) {
    E4I_TRY(need_inline(t));
    const auto& sd = system_data(t);
    if (sd.value_size == 0 || !sd.value_in_bounds)
        return unexpected(refuse(t, "needs a system.data value (an inline file over 60 bytes)"));
    E4I_TRY(append_entry(t, 1, "o", sd.value_offs, std::min<std::uint32_t>(sd.value_size, 4)));
    E4I_TRY(write_raw(t));
    return fmt::format("added user.o whose value overlaps system.data's at offset {}", sd.value_offset);
}

Result<std::string> blocks_without_xattr_block(Target& t) {
    E4I_TRY(need_inline(t));
    if (t.layout.file_acl != 0)
        return unexpected(refuse(t, "has an xattr block"));
    const auto blocks = E4I_TRY(number_arg(t, 8));
    put_le32(t.raw, od::off_blocks_lo, static_cast<std::uint32_t>(blocks));
    E4I_TRY(write_raw(t));
    return fmt::format("set i_blocks to {}", blocks);
}

Result<std::string> dir_parent_bad(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    const auto parent = E4I_TRY(number_arg(t, t.fs.raw()->super->s_inodes_count + 1ULL));
    put_le32(t.raw, od::off_block, static_cast<std::uint32_t>(parent));
    E4I_TRY(write_raw(t));
    return fmt::format("set the parent inode from {} to {}", t.layout.dir_parent.value_or(0), parent);
}

Result<std::string> set_dir_size(Target& t, std::uint64_t size) {
    put_size(t.raw, size);
    E4I_TRY(write_raw(t));
    return fmt::format("set i_size from {} to {} (inline size {})", t.layout.size, size, t.layout.inline_size);
}

Result<std::string> dir_size_unaligned(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    return set_dir_size(t, t.layout.inline_size - 2);
}

Result<std::string> dir_size_mismatch(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    return set_dir_size(t, t.layout.inline_size + 4);
}

// The offset in the raw inode of the dirent at inline offset `off` (region 0 only).
std::size_t dirent_at(std::size_t off) { return od::off_block + off; }

Result<const InlineDirEntry*> first_dirent(const Target& t, bool named) {
    for (const auto& d : t.layout.dir_entries)
        if (d.region == 0 && (!named || d.inode != 0))
            return &d;
    return unexpected(refuse(t, named ? "needs an entry in i_block (a non-empty inline directory)"
                                           : "has no directory entry in i_block"));
}

Result<std::string> dir_chain_broken(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    const auto* d = E4I_TRY(first_dirent(t, false));
    put_le16(t.raw, dirent_at(d->offset) + 4, static_cast<std::uint16_t>(d->rec_len + 1));
    E4I_TRY(write_raw(t));
    return fmt::format("set rec_len at inline offset {} from {} to {}", d->offset, d->rec_len, d->rec_len + 1);
}

Result<std::string> dir_chain_short(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    const InlineDirEntry* last = nullptr;
    for (const auto& d : t.layout.dir_entries)
        if (d.region == 0)
            last = &d;
    if (!last || last->rec_len < od::dirent_header_size + ((last->name_len + 3u) & ~3u) + 4)
        return unexpected(refuse(t, "the last entry in i_block cannot give up 4 bytes"));
    put_le16(t.raw, dirent_at(last->offset) + 4, static_cast<std::uint16_t>(last->rec_len - 4));
    E4I_TRY(write_raw(t));
    return fmt::format("set rec_len at inline offset {} from {} to {}", last->offset, last->rec_len,
                       last->rec_len - 4);
}

Result<std::string> dir_name_past_rec_len(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    const auto* d = E4I_TRY(first_dirent(t, false));
    const unsigned name_len = std::min(255u, d->rec_len - 8u + 1u);
    t.raw[dirent_at(d->offset) + 6] = static_cast<std::uint8_t>(name_len);
    E4I_TRY(write_raw(t));
    return fmt::format("set name_len at inline offset {} to {} (rec_len {})", d->offset, name_len, d->rec_len);
}

Result<std::string> dir_entry_inode_out_of_range(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    const auto* d = E4I_TRY(first_dirent(t, true));
    const auto ino = E4I_TRY(number_arg(t, t.fs.raw()->super->s_inodes_count + 1ULL));
    put_le32(t.raw, dirent_at(d->offset), static_cast<std::uint32_t>(ino));
    E4I_TRY(write_raw(t));
    return fmt::format("set entry '{}' from inode {} to {}", d->name, d->inode, ino);
}

Result<std::string> dir_entry_inode_unused(Target& t) {
    E4I_TRY(need_inline(t, FileType::directory));
    const auto* d = E4I_TRY(first_dirent(t, true));
    ext2_filsys fs = t.fs.raw();
    ext2_ino_t unused = 0;
    for (ext2_ino_t i = EXT2_FIRST_INO(fs->super); i <= fs->super->s_inodes_count && !unused; ++i)
        if (!ext2fs_test_inode_bitmap2(fs->inode_map, i))
            unused = i;
    if (!unused)
        return unexpected(refuse(t, "the filesystem has no unused inode"));
    put_le32(t.raw, dirent_at(d->offset), unused);
    E4I_TRY(write_raw(t));
    return fmt::format("set entry '{}' from inode {} to unused inode {}", d->name, d->inode, unused);
}

Result<std::string> symlink_size_mismatch(Target& t) {
    E4I_TRY(need_inline(t, FileType::symlink));
    const std::uint64_t size = t.layout.inline_size - 1;
    put_size(t.raw, size);
    E4I_TRY(write_raw(t));
    return fmt::format("set i_size from {} to {}", t.layout.size, size);
}

Result<std::string> symlink_bad_flags(Target& t) {
    E4I_TRY(need_inline(t, FileType::symlink));
    put_le32(t.raw, od::off_flags, t.layout.flags | od::fl_index);
    E4I_TRY(write_raw(t));
    return "set INDEX_FL on the inline symlink";
}

// Make a block directory (lost+found) inline: free its blocks, then write the
// shape ext2fs_mkdir gives a new inline directory.
Result<std::string> lost_found_inline(Target& t) {
    ext2_filsys fs = t.fs.raw();
    if (t.layout.type != FileType::directory || t.layout.inline_flag())
        return unexpected(refuse(t, "needs a block directory (lost+found)"));
    if (!t.layout.extra_isize_valid || t.layout.extra_isize == 0)
        return unexpected(refuse(t, "has no room for in-inode xattrs"));
    if (t.layout.xattr_magic_ok && !t.layout.xattrs.empty())
        return unexpected(refuse(t, "already has in-inode xattrs"));
    ext2_ino_t parent = EXT2_ROOT_INO;
    ext2fs_lookup(fs, t.ref.ino, "..", 2, nullptr, &parent);
    ext2_inode_large inode{};
    errcode_t err = ext2fs_read_inode_full(fs, t.ref.ino, reinterpret_cast<ext2_inode*>(&inode), sizeof inode);
    if (!err)
        err = ext2fs_punch(fs, t.ref.ino, reinterpret_cast<ext2_inode*>(&inode), nullptr, 0, ~0ULL);
    if (!err)
        err = ext2fs_write_inode_full(fs, t.ref.ino, reinterpret_cast<ext2_inode*>(&inode), sizeof inode);
    if (err)
        return unexpected(t.fs.error(err, "freeing the blocks of", t.ref.spec));
    t.raw = E4I_TRY(t.fs.read_raw_inode(t.ref.ino));
    put_le32(t.raw, od::off_flags, (le32(t.raw, od::off_flags) & ~od::fl_extents) | od::fl_inline_data);
    std::fill(t.raw.begin() + od::off_block, t.raw.begin() + od::off_block + od::i_block_size, 0);
    put_le32(t.raw, od::off_block, parent);
    put_le16(t.raw, od::off_block + 4 + 4, od::i_block_size - od::inline_dir_parent_size);
    put_size(t.raw, od::i_block_size);
    put_le32(t.raw, od::off_blocks_lo, 0);
    put_le16(t.raw, od::off_blocks_high, 0);
    const std::size_t area = t.layout.xattr_area_offset;
    std::fill(t.raw.begin() + area, t.raw.end(), 0);
    put_le32(t.raw, area, od::xattr_magic);
    t.raw[area + 4] = 4;
    t.raw[area + 5] = od::xattr_index_system;
    std::memcpy(t.raw.data() + area + 4 + od::xattr_entry_fixed_size, od::system_data_name, 4);
    E4I_TRY(write_raw(t));
    return fmt::format("freed the blocks of <{}> and made it an empty inline directory", t.ref.ino);
}

Result<std::string> inode_checksum_bad(Target& t) {
    if (!t.fs.has_metadata_csum())
        return unexpected(refuse(t, "the filesystem has no metadata_csum"));
    if (!t.layout.inline_flag())
        return unexpected(refuse(t, "not an inline inode"));
    // Write it with a correct checksum first, then flip bits of the stored one.
    E4I_TRY(write_raw(t));
    t.raw = E4I_TRY(t.fs.read_raw_inode(t.ref.ino));
    constexpr std::size_t checksum_lo = 0x7c;  // osd2.linux2.l_i_checksum_lo
    t.raw[checksum_lo] ^= 0xa5;
    E4I_TRY(write_raw(t, false));
    return "flipped bits of the stored inode checksum (written without recomputing it)";
}


// A regular file that takes every free block (uninitialized extents, so
// nothing is written to them): the filesystem stays consistent and the
// kernel's next block allocation fails with ENOSPC.
Result<std::string> fill(Filesystem& fs, std::string_view path) {
    ext2_filsys raw = fs.raw();
    const std::string spec(path);
    const auto slash = spec.rfind('/');
    const std::string dir = slash == std::string::npos || slash == 0 ? "/" : spec.substr(0, slash);
    const std::string name = slash == std::string::npos ? spec : spec.substr(slash + 1);
    if (name.empty())
        return unexpected(plain_error(ExitCode::usage, "fill needs the path of a new file", spec));
    if (fs.resolve(spec))
        return unexpected(fs.error(ExitCode::not_applicable, "already exists", spec));
    const auto parent = E4I_TRY(fs.resolve(dir));
    ext2_ino_t ino = 0;
    errcode_t err = ext2fs_new_inode(raw, parent.ino, LINUX_S_IFREG | 0644, nullptr, &ino);
    if (err)
        return unexpected(fs.error(err, "allocating an inode for", spec));
    err = ext2fs_link(raw, parent.ino, name.c_str(), ino, EXT2_FT_REG_FILE);
    if (err == EXT2_ET_DIR_NO_SPACE) {
        if ((err = ext2fs_expand_dir(raw, parent.ino)) == 0)
            err = ext2fs_link(raw, parent.ino, name.c_str(), ino, EXT2_FT_REG_FILE);
    }
    if (err)
        return unexpected(fs.error(err, "linking", spec));
    ext2fs_inode_alloc_stats2(raw, ino, +1, 0);
    // The new inode as create writes one (its i_extra_isize, its times).
    auto fresh = fresh_inode(fs, LINUX_S_IFREG | 0644, NodeAttrs{}, 1);
    fresh.resize(std::max(fresh.size(), sizeof(ext2_inode_large)));
    auto& inode = *reinterpret_cast<ext2_inode_large*>(fresh.data());
    if (ext2fs_has_feature_extents(raw->super))
        inode.i_flags |= EXT4_EXTENTS_FL;
    if ((err = ext2fs_write_new_inode(raw, ino, reinterpret_cast<ext2_inode*>(&inode))))
        return unexpected(fs.error(err, "writing inode", spec));
    if (inode.i_flags & EXT4_EXTENTS_FL) {
        ext2_extent_handle_t handle = nullptr;
        if ((err = ext2fs_extent_open2(raw, ino, reinterpret_cast<ext2_inode*>(&inode), &handle)))
            return unexpected(fs.error(err, "initializing extents of", spec));
        ext2fs_extent_free(handle);
    }
    const int flags = ext2fs_has_feature_extents(raw->super) ? EXT2_FALLOCATE_FORCE_UNINIT : EXT2_FALLOCATE_FORCE_INIT;
    blk64_t logical = 0;
    // The extent tree needs blocks of its own, so one request rarely takes
    // exactly the rest: repeat until nothing is free or nothing moves.
    for (int round = 0; round < 64; ++round) {
        const blk64_t free_blocks = ext2fs_free_blocks_count(raw->super);
        if (free_blocks == 0)
            break;
        err = ext2fs_fallocate(raw, flags, ino, reinterpret_cast<ext2_inode*>(&inode), ~0ULL, logical, free_blocks);
        blk64_t mapped = 0;
        for (blk64_t l = logical; l < logical + free_blocks; ++l) {
            blk64_t phys = 0;
            if (ext2fs_bmap2(raw, ino, reinterpret_cast<ext2_inode*>(&inode), nullptr, 0, l, nullptr, &phys) || !phys)
                break;
            ++mapped;
        }
        logical += mapped;
        if (mapped == 0 || (err && err != EXT2_ET_BLOCK_ALLOC_FAIL))
            break;
    }
    if (err && err != EXT2_ET_BLOCK_ALLOC_FAIL)
        return unexpected(fs.error(err, "allocating blocks for", spec));
    ext2fs_inode_size_set(raw, reinterpret_cast<ext2_inode*>(&inode), logical * raw->blocksize);
    if ((err = ext2fs_write_inode_full(raw, ino, reinterpret_cast<ext2_inode*>(&inode), sizeof inode)))
        return unexpected(fs.error(err, "writing inode", spec));
    return fmt::format("created {} (<{}>) with {} blocks; {} blocks left free", spec, ino, logical,
                       ext2fs_free_blocks_count(raw->super));
}

// Every block marked in use in the bitmaps and the free counts set to 0,
// with no owner: allocation fails, and e2fsck reports the bitmap differences.
Result<std::string> bitmap_full(Filesystem& fs) {
    ext2_filsys raw = fs.raw();
    const blk64_t first = raw->super->s_first_data_block;
    const blk64_t count = ext2fs_blocks_count(raw->super) - first;
    const blk64_t was_free = ext2fs_free_blocks_count(raw->super);
    ext2fs_mark_block_bitmap_range2(raw->block_map, first, static_cast<unsigned>(count));
    for (dgrp_t g = 0; g < raw->group_desc_count; ++g) {
        ext2fs_bg_free_blocks_count_set(raw, g, 0);
        ext2fs_bg_flags_clear(raw, g, EXT2_BG_BLOCK_UNINIT);
        ext2fs_group_desc_csum_set(raw, g);
    }
    ext2fs_free_blocks_count_set(raw->super, 0);
    ext2fs_mark_super_dirty(raw);
    ext2fs_mark_bb_dirty(raw);
    return fmt::format("marked all {} blocks in use ({} were free)", count, was_free);
}

struct KindRecord {
    CraftKind kind;
    CraftFn fn;
};

constexpr const char* small_file = "inline file of 60 bytes or less";
constexpr const char* any_inline = "inline file or directory";

const KindRecord kinds[] = {
    {{"system-data-missing", "system-data-missing", any_inline, "", "remove the system.data entry"}, system_data_missing},
    {{"system-data-outside-body", "system-data-outside-body", small_file, "",
      "move system.data into a new external xattr block"}, system_data_outside_body},
    {{"system-data-value-inum", "system-data-value-inum", small_file, "INO (1)",
      "point system.data to an EA inode"}, system_data_value_inum},
    {{"system-data-without-flag", "system-data-without-flag", "inline regular file", "",
      "clear the inline flag, i_block and i_size, keep system.data"}, system_data_without_flag},
    {{"system-data-duplicate", "system-data-duplicate", any_inline, "", "add a second system.data entry"},
     system_data_duplicate},
    {{"inline-and-extents", "inline-and-extents", any_inline, "", "set EXTENTS_FL too"}, inline_and_extents},
    {{"inline-on-special", "inline-on-special", "inline regular file", "fifo|chr|blk|sock (fifo)",
      "change the file type to a special file"}, inline_on_special},
    {{"size-past-inline", "size-past-inline", "inline regular file", "BYTES (100)",
      "set i_size to the inline size + BYTES (e2fsck does not notice)"}, size_past_inline},
    {{"extra-isize-invalid", "extra-isize-invalid", any_inline, "N (30)", "set i_extra_isize to N"},
     extra_isize_invalid},
    {{"xattr-bad-magic", "xattr-bad-magic", any_inline, "", "corrupt the in-inode xattr magic"}, xattr_bad_magic},
    {{"xattr-unterminated", "xattr-unterminated", small_file, "", "fill the entry table to the inode's end"},
     xattr_unterminated},
    {{"xattr-entry-out-of-bounds", "xattr-entry-out-of-bounds", small_file, "",
      "add an entry whose name runs past the inode"}, xattr_entry_out_of_bounds},
    {{"xattr-value-out-of-bounds", "xattr-value-out-of-bounds", small_file, "",
      "make system.data's value run past the inode"}, xattr_value_out_of_bounds},
    {{"xattr-overlap", "xattr-overlap", "inline file over 60 bytes", "",
      "add user.o whose value overlaps system.data's"}, xattr_overlap},
    {{"blocks-without-xattr-block", "blocks-without-xattr-block", any_inline, "N (8)", "set i_blocks to N"},
     blocks_without_xattr_block},
    {{"dir-parent-bad", "dir-parent-bad", "inline directory", "INO (inodes_count + 1)",
      "set the parent inode number"}, dir_parent_bad},
    {{"dir-size-unaligned", "dir-size-unaligned", "inline directory", "", "set i_size to inline size - 2"},
     dir_size_unaligned},
    {{"dir-size-mismatch", "dir-size-mismatch", "inline directory", "", "set i_size to inline size + 4"},
     dir_size_mismatch},
    {{"dir-chain-broken", "dir-chain-broken", "inline directory", "", "make the first rec_len unaligned"},
     dir_chain_broken},
    {{"dir-chain-short", "dir-chain-short", "inline directory", "",
      "shorten the last rec_len in i_block by 4"}, dir_chain_short},
    {{"dir-name-past-rec-len", "dir-name-past-rec-len", "inline directory", "",
      "make the first entry's name_len run past its rec_len"}, dir_name_past_rec_len},
    {{"dir-entry-inode-out-of-range", "dir-entry-inode-out-of-range", "non-empty inline directory",
      "INO (inodes_count + 1)", "point the first named entry past the last inode"}, dir_entry_inode_out_of_range},
    {{"dir-entry-inode-unused", "dir-entry-inode-unused", "non-empty inline directory", "",
      "point the first named entry to an unused inode"}, dir_entry_inode_unused},
    {{"symlink-size-mismatch", "symlink-size-mismatch", "inline symlink", "", "set i_size to inline size - 1"},
     symlink_size_mismatch},
    {{"symlink-bad-flags", "symlink-bad-flags", "inline symlink", "", "set INDEX_FL"}, symlink_bad_flags},
    {{"lost-found-inline", "lost-found-inline", "/lost+found", "", "free its blocks and make it inline"},
     lost_found_inline},
    {{"inode-checksum-bad", "inode-checksum-bad", "inline inode, metadata_csum", "",
      "corrupt the stored inode checksum"}, inode_checksum_bad},
    {{"fill", "", "path of a new file", "", "create a file that takes every free block (stays consistent)"}, nullptr},
    {{"bitmap-full", "", "any (ignored)", "", "mark every block in use in the bitmaps, with no owner"}, nullptr},
};

}  // namespace

std::span<const CraftKind> craft_kinds() {
    static const auto list = [] {
        std::vector<CraftKind> v;
        for (const auto& k : kinds)
            v.push_back(k.kind);
        return v;
    }();
    return list;
}

const CraftKind* find_craft_kind(std::string_view name) {
    for (const auto& k : craft_kinds())
        if (name == k.name)
            return &k;
    return nullptr;
}

Result<std::string> craft(Filesystem& fs, std::string_view target, std::string_view kind,
                          std::optional<std::string> arg) {
    const KindRecord* record = nullptr;
    for (const auto& k : kinds)
        if (kind == k.kind.name)
            record = &k;
    if (!record)
        return unexpected(plain_error(ExitCode::usage, fmt::format("unknown kind '{}' (see craft --list)", kind)));
    if (!fs.writable())
        return unexpected(fs.error(ExitCode::usage, "craft needs a writable filesystem"));
    if (kind == "fill")
        return fill(fs, target);
    if (kind == "bitmap-full")
        return bitmap_full(fs);
    const auto ref = E4I_TRY(fs.resolve(target));
    auto raw = E4I_TRY(fs.read_raw_inode(ref.ino));
    Target t{fs, ref, raw, parse_inline_layout(raw, fs.has_inline_data()), std::move(arg)};
    return record->fn(t);
}

}  // namespace e4inline
