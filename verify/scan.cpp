// The inode-table scan behind verify, and the directory walk that names the
// inodes it found something wrong with. Mirrors the shape of e2fsck pass 1
// (ext2fs_open_inode_scan over every group, the inode bitmap for "in use"),
// but checks only inline data.
#include <cstring>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "lib/ondisk.hpp"
#include "verify/verify.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

struct ScanCloser {
    void operator()(ext2_inode_scan s) const { ext2fs_close_inode_scan(s); }
};
using ScanHandle = std::unique_ptr<std::remove_pointer_t<ext2_inode_scan>, ScanCloser>;

// How an inode is named in an error: <INO>, as debugfs and e2fsck write it.
std::string inode_name(std::uint32_t ino) {
    return "<" + std::to_string(ino) + ">";
}

// The raw inode INO, or the libext2fs error that kept it from being read
// (never an empty inode that would read as "no entries").
Result<std::vector<std::uint8_t>> read_inode_bytes(ext2_filsys fs, std::uint32_t ino) {
    std::vector<std::uint8_t> raw(EXT2_INODE_SIZE(fs->super));
    if (errcode_t err = ext2fs_read_inode2(fs, ino, reinterpret_cast<ext2_inode*>(raw.data()),
                                           static_cast<int>(raw.size()), READ_INODE_NOCSUM))
        return unexpected(ext2_error(err, "reading inode", inode_name(ino)));
    return raw;
}

bool in_use(ext2_filsys fs, std::uint32_t ino) {
    return ino >= 1 && ino <= fs->super->s_inodes_count && fs->inode_map &&
           ext2fs_test_inode_bitmap2(fs->inode_map, ino);
}

// One directory's entries: (inode, name, file_type). Inline directories are
// read by our bounds-checked parser, others by libext2fs; an inode or a
// directory block that cannot be read is an error naming the directory.
template <class F>
Result<void> for_each_entry(ext2_filsys fs, std::uint32_t dir, F&& f) {
    const auto raw = E4I_TRY(read_inode_bytes(fs, dir));
    const InlineLayout l = parse_inline_layout(raw, ext2fs_has_feature_inline_data(fs->super));
    if (l.type != FileType::directory)
        return {};
    if (l.inline_flag()) {
        for (const auto& d : l.dir_entries)
            if (d.inode != 0)
                f(d.inode, std::string_view(d.name), d.file_type);
        return {};
    }
    DirListing listing;
    if (errcode_t err = list_dir(fs, dir, listing))
        return unexpected(ext2_error(err, "reading directory", inode_name(dir)));
    for (const auto& e : listing.entries)
        f(e.ino, std::string_view(e.name), e.file_type);
    return {};
}

// Whether an external xattr block holds a system.data entry. Bounds-checked
// walk of struct ext2_ext_attr_header (32 bytes) and its entries.
bool block_has_system_data(ext2_filsys fs, std::uint64_t block) {
    if (block < fs->super->s_first_data_block || block >= ext2fs_blocks_count(fs->super))
        return false;
    std::vector<std::uint8_t> buf(fs->blocksize);
    if (io_channel_read_blk64(fs->io, block, 1, buf.data()))
        return false;
    auto le32 = [&](std::size_t off) { return bytes::le32(buf, off); };
    if (le32(0) != od::xattr_magic)
        return false;
    for (std::size_t off = 32; off + od::xattr_entry_fixed_size <= buf.size() && le32(off) != 0;) {
        const std::size_t name_len = buf[off];
        const std::size_t len = od::xattr_entry_len(name_len);
        if (off + len > buf.size())
            break;
        if (buf[off + 1] == od::xattr_index_system && name_len == 4 &&
            std::memcmp(buf.data() + off + od::xattr_entry_fixed_size, od::system_data_name, 4) == 0)
            return true;
        off += len;
    }
    return false;
}

// Whether a block reads as an external xattr block: the magic and h_blocks 1
// (what e2fsck's check_ext_attr requires before it looks at the entries).
bool xattr_block_valid(ext2_filsys fs, std::uint64_t block) {
    std::vector<std::uint8_t> buf(fs->blocksize);
    if (io_channel_read_blk64(fs->io, block, 1, buf.data()))
        return false;
    return bytes::le32(buf, 0) == od::xattr_magic && bytes::le32(buf, 8) == 1;
}

errcode_t group_done(ext2_filsys fs, ext2_inode_scan, dgrp_t group, void* priv) {
    const auto* options = static_cast<const ScanOptions*>(priv);
    options->progress(group + 1, fs->group_desc_count);
    return 0;
}

}  // namespace

Result<std::uint32_t> lookup_entry(ext2_filsys fs, std::uint32_t dir, std::string_view name) {
    std::uint32_t found = 0;
    E4I_TRY(for_each_entry(fs, dir, [&](std::uint32_t ino, std::string_view n, int) {
        if (!found && n == name)
            found = ino;
    }));
    return found;
}

Result<void> name_inodes(ext2_filsys fs, std::vector<Finding>& findings) {
    std::unordered_map<std::uint32_t, std::string> wanted;
    for (const auto& f : findings)
        wanted.emplace(f.ino, std::string());
    std::size_t left = wanted.size();
    if (auto it = wanted.find(EXT2_ROOT_INO); it != wanted.end()) {
        it->second = "/";
        --left;
    }
    // Breadth first, each directory once: a corrupt tree with loops or
    // thousands of levels still ends.
    std::unordered_set<std::uint32_t> visited{EXT2_ROOT_INO};
    std::deque<std::pair<std::uint32_t, std::string>> queue{{EXT2_ROOT_INO, ""}};
    while (!queue.empty() && left > 0) {
        const std::uint32_t dir = queue.front().first;
        const std::string prefix = std::move(queue.front().second);
        queue.pop_front();
        E4I_TRY(for_each_entry(fs, dir, [&](std::uint32_t ino, std::string_view name, int file_type) {
            if (ino > fs->super->s_inodes_count)
                return;
            std::string path = prefix + "/" + std::string(name);
            if (auto it = wanted.find(ino); it != wanted.end() && it->second.empty()) {
                it->second = path;
                --left;
            }
            // EXT2_FT_DIR, or unknown without the filetype feature.
            if ((file_type == 2 || file_type == 0) && visited.insert(ino).second)
                queue.emplace_back(ino, std::move(path));
        }));
    }
    for (auto& f : findings)
        f.path = wanted[f.ino];
    return {};
}

namespace {

// What check_inode needs to know of the filesystem beyond the inode: the
// features, the inode bitmap, lost+found, the block range, and the external
// xattr blocks (each read once, whatever the number of inodes naming it).
struct ScanContext {
    InodeContext ctx;
    std::unordered_map<std::uint64_t, bool> block_cache;
    std::unordered_map<std::uint64_t, bool> valid_cache;
};

Result<void> fill_context(ext2_filsys fs, ScanContext& sc) {
    InodeContext& ctx = sc.ctx;
    ctx.fs_has_inline_data = ext2fs_has_feature_inline_data(fs->super);
    ctx.metadata_csum = ext2fs_has_feature_metadata_csum(fs->super);
    ctx.inodes_count = fs->super->s_inodes_count;
    ctx.inode_in_use = [fs](std::uint32_t ino) { return in_use(fs, ino); };
    ctx.block_has_system_data = [fs, &cache = sc.block_cache](std::uint64_t block) {
        auto [it, fresh] = cache.try_emplace(block, false);
        if (fresh)
            it->second = block_has_system_data(fs, block);
        return it->second;
    };
    ctx.lost_found_ino = E4I_TRY(lookup_entry(fs, EXT2_ROOT_INO, "lost+found"));
    ctx.first_data_block = fs->super->s_first_data_block;
    ctx.blocks_count = ext2fs_blocks_count(fs->super);
    ctx.xattr_block_valid = [fs, &cache = sc.valid_cache](std::uint64_t block) {
        auto [it, fresh] = cache.try_emplace(block, false);
        if (fresh)
            it->second = xattr_block_valid(fs, block);
        return it->second;
    };
    return {};
}

// Check the in-use inode INO (its raw bytes RAW) into REPORT.
void check_scanned_inode(ext2_filsys fs, const InodeContext& ctx, ext2_ino_t ino, std::span<const std::uint8_t> raw,
                         VerifyReport& report) {
    ++report.summary.inodes_in_use;
    if (!inode_needs_check(raw))
        return;
    ++report.summary.inodes_checked;
    const InlineLayout layout = parse_inline_layout(raw, ctx.fs_has_inline_data);
    const bool csum_ok = !ctx.metadata_csum || inode_checksum_matches(fs, ino, raw);
    auto found = check_inode(ctx, ino, raw, layout, csum_ok);
    report.findings.insert(report.findings.end(), std::make_move_iterator(found.begin()),
                           std::make_move_iterator(found.end()));
    report.summary.count(layout);
}

}  // namespace

Result<VerifyReport> scan_inline_inodes(ext2_filsys fs, const ScanOptions& options) {
    VerifyReport report;
    report.inodes_count = fs->super->s_inodes_count;
    if (errcode_t err = ext2fs_read_inode_bitmap(fs))
        return unexpected(ext2_error(err, "reading inode bitmap"));
    ScanContext sc;
    E4I_TRY(fill_context(fs, sc));

    ext2_inode_scan raw_scan = nullptr;
    if (errcode_t err = ext2fs_open_inode_scan(fs, 0, &raw_scan))
        return unexpected(ext2_error(err, "opening inode scan"));
    ScanHandle scan(raw_scan);
    // As e2fsck: skip groups without an inode table and the never-used tail
    // of each group's table (bg_itable_unused, with uninit_bg/metadata_csum).
    ext2fs_inode_scan_flags(scan.get(), EXT2_SF_SKIP_MISSING_ITABLE | EXT2_SF_DO_LAZY, 0);
    if (options.progress)
        ext2fs_set_inode_callback(scan.get(), group_done, const_cast<ScanOptions*>(&options));

    const int isize = EXT2_INODE_SIZE(fs->super);
    std::vector<std::uint8_t> buf(static_cast<std::size_t>(isize));
    ext2_ino_t last = 0;  // the last inode read, to name the one that could not be
    while (true) {
        ext2_ino_t ino = 0;
        errcode_t err = ext2fs_get_next_inode_full(scan.get(), &ino, reinterpret_cast<ext2_inode*>(buf.data()), isize);
        if (err == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE)
            continue;
        if (err && err != EXT2_ET_INODE_CSUM_INVALID && err != EXT2_ET_INODE_IS_GARBAGE)
            return unexpected(ext2_error(err, "scanning inodes", inode_name(ino ? ino : last + 1)));
        if (ino == 0)
            break;
        last = ino;
        if (in_use(fs, ino))
            check_scanned_inode(fs, sc.ctx, ino, buf, report);
    }
    if (options.resolve_paths && !report.findings.empty())
        E4I_TRY(name_inodes(fs, report.findings));
    return report;
}

}  // namespace e4inline
