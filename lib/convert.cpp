#include "e4inline/convert.hpp"

#include <fmt/format.h>
#include <cstring>
#include <optional>
#include <set>
#include <vector>

#include "e4inline/create.hpp"
#include "lib/inline_dir.hpp"
#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"

// Exported by libext2fs but declared only in its private header
// (lib/ext2fs/ext2fsP.h): moves inline data to a block, for files, symlinks
// and directories.
extern "C" errcode_t ext2fs_inline_data_expand(ext2_filsys fs, ext2_ino_t ino);

namespace e4inline {

namespace od = ondisk;

namespace {

ConvertOutcome refuse(ConvertOutcome out, std::string category, std::string reason) {
    out.status = ConvertStatus::refused;
    out.category = std::move(category);
    out.reason = std::move(reason);
    return out;
}

Result<void> check_free_blocks(const Filesystem& fs, std::uint64_t bytes, const std::string& spec) {
    // The data's blocks plus one for an extent tree that outgrows i_block.
    const std::uint64_t need = (bytes + fs.block_size() - 1) / fs.block_size() + 1;
    const std::uint64_t free_blocks = ext2fs_free_blocks_count(fs.raw()->super);
    if (need > free_blocks)
        return unexpected(fs.error(
            ExitCode::operational,
            fmt::format("not enough free blocks to move the data to extents: {} needed, {} free", need, free_blocks),
            spec));
    return {};
}

bool is_lost_and_found(const Filesystem& fs, ext2_ino_t ino) {
    ext2_ino_t lpf = 0;
    return ext2fs_lookup(fs.raw(), EXT2_ROOT_INO, "lost+found", 10, nullptr, &lpf) == 0 && lpf == ino;
}

Result<void> to_extents(Filesystem& fs, const InodeRef& ref, const InlineLayout& l) {
    // ext2fs_inline_data_expand writes a regular file's or symlink's whole
    // inline size to a block and sets i_size to it; put the size back.
    errcode_t err = ext2fs_inline_data_expand(fs.raw(), ref.ino);
    if (err)
        return unexpected(fs.error(err, "moving inline data to a block", ref.spec));
    if (l.type == FileType::directory)
        return {};
    struct ext2_inode inode {};
    err = ext2fs_read_inode(fs.raw(), ref.ino, &inode);
    if (!err)
        err = ext2fs_inode_size_set(fs.raw(), &inode, l.size);
    if (!err)
        err = ext2fs_write_inode(fs.raw(), ref.ino, &inode);
    if (err)
        return unexpected(fs.error(err, "restoring i_size of", ref.spec));
    // The block written past the real size (all of it for an empty file) is
    // not part of the file; free what lies wholly beyond i_size.
    const blk64_t first_unused = (l.size + fs.block_size() - 1) / fs.block_size();
    err = ext2fs_punch(fs.raw(), ref.ino, &inode, nullptr, first_unused, ~0ULL);
    if (err)
        return unexpected(fs.error(err, "freeing blocks past the end of", ref.spec));
    return {};
}

Result<void> to_inline(Filesystem& fs, const InodeRef& ref, const InlineLayout& l,
                       const std::vector<std::uint8_t>& data) {
    ext2_filsys raw_fs = fs.raw();
    // Free every data block (and extent tree block); the inode is rewritten.
    struct ext2_inode inode {};
    errcode_t err = ext2fs_read_inode(raw_fs, ref.ino, &inode);
    if (!err)
        err = ext2fs_punch(raw_fs, ref.ino, &inode, nullptr, 0, ~0ULL);
    if (err)
        return unexpected(fs.error(err, "freeing the blocks of", ref.spec));
    auto raw = E4I_TRY(fs.read_raw_inode(ref.ino));
    auto* large = reinterpret_cast<struct ext2_inode_large*>(raw.data());
    std::memset(large->i_block, 0, sizeof(large->i_block));
    large->i_flags &= ~(od::fl_extents | od::fl_index);
    large->i_flags |= od::fl_inline_data;
    const std::uint64_t size = l.type == FileType::regular ? l.size : data.size();
    large->i_size = static_cast<std::uint32_t>(size);
    large->i_size_high = static_cast<std::uint32_t>(size >> 32);
    err = ext2fs_write_inode_full(raw_fs, ref.ino, reinterpret_cast<struct ext2_inode*>(raw.data()),
                                  static_cast<int>(raw.size()));
    if (!err)
        err = ext2fs_inline_data_init(raw_fs, ref.ino);
    if (!err && !data.empty())
        err = ext2fs_inline_data_set(raw_fs, ref.ino, nullptr, const_cast<std::uint8_t*>(data.data()), data.size());
    if (err)
        return unexpected(fs.error(err, "writing inline data of", ref.spec));
    return {};
}

}  // namespace

const char* convert_target_name(ConvertTarget t) { return t == ConvertTarget::extents ? "extents" : "inline"; }

namespace {

// Inline data to extents (or a mapped block): nothing to do for an inode
// that is not inline; a fast symlink has no inline data to move.
Result<ConvertOutcome> convert_to_extents(Filesystem& fs, const InodeRef& ref, const InlineLayout& l, bool dry_run,
                                          ConvertOutcome out) {
    if (!l.inline_flag()) {
        if (l.storage == Storage::fast_symlink)
            return refuse(out, "fast symlink",
                          "a fast symlink keeps its target in i_block; there is no inline data to move");
        out.status = ConvertStatus::already;
        out.reason = fmt::format("not inline ({})", storage_name(l.storage));
        return out;
    }
    E4I_TRY(check_free_blocks(fs, l.inline_size, ref.spec));
    out.status = ConvertStatus::converted;
    out.reason = fmt::format("{} bytes of inline data to {}", l.type == FileType::directory ? l.inline_size : l.size,
                             ext2fs_has_feature_extents(fs.raw()->super) ? "extents" : "a mapped block");
    if (!dry_run)
        E4I_TRY(to_extents(fs, ref, l));
    return out;
}

// The refusal when the inode may never hold inline data, whatever its size:
// the feature, its flags, no xattr area, a fast or short symlink, the root,
// lost+found. Nothing when it may.
std::optional<ConvertOutcome> never_inline(Filesystem& fs, const InodeRef& ref, const InlineLayout& l,
                                           const ConvertOutcome& out) {
    if (!fs.has_inline_data())
        return refuse(out, "no inline_data feature", "the filesystem does not have the inline_data feature");
    if (l.flags & od::fl_encrypt)
        return refuse(out, "flags forbid", "encrypted inodes (ENCRYPT flag) are never inline");
    if (l.flags & od::fl_verity)
        return refuse(out, "flags forbid", "verity files (VERITY flag) are never inline");
    if (l.flags & od::fl_dax)
        return refuse(out, "flags forbid", "DAX inodes (DAX flag) are never inline");
    if (l.type == FileType::directory && (l.flags & od::fl_casefold))
        return refuse(out, "flags forbid", "casefolded directories (CASEFOLD flag) are never inline");
    if (l.extra_isize == 0)
        return refuse(out, "no room", "i_extra_isize is 0: the inode has no in-inode xattr space (capacity 0)");
    if (l.storage == Storage::fast_symlink)
        return refuse(out, "fast symlink",
                      fmt::format("a {}-byte target is a fast symlink (targets under 60 bytes are never inline)",
                                  l.size));
    if (l.type == FileType::symlink && is_fast_symlink_target(l.size))
        return refuse(out, "short symlink",
                      fmt::format("a {}-byte target belongs in a fast symlink, not inline data", l.size));
    if (ref.ino == EXT2_ROOT_INO)
        return refuse(out, "root", "the root directory stays a block directory");
    if (is_lost_and_found(fs, ref.ino))
        return refuse(out, "lost+found", "lost+found must never be inline (e2fsck PR_3_LPF_INLINE_DATA)");
    return std::nullopt;
}

// The bytes the inode would hold inline: a directory's entries packed as
// inline_dir_bytes packs them, a file's or symlink's content. When they do
// not fit, OUT becomes the refusal and there are none.
Result<std::optional<std::vector<std::uint8_t>>> inline_bytes_to_write(Filesystem& fs, const InodeRef& ref, const InlineLayout& l,
                                                        ConvertOutcome& out) {
    if (l.type != FileType::directory) {
        if (l.size > l.capacity) {
            out = refuse(out, "does not fit",
                         fmt::format("{} bytes do not fit: this inode holds at most {} bytes inline", l.size,
                                     l.capacity));
            return std::nullopt;
        }
        return E4I_TRY(fs.read_content(ref));
    }
    const DirListing listing = E4I_TRY(list_dir(fs, ref.ino, ref.spec));
    auto bytes = inline_dir_bytes(listing.parent, listing.entries, l.capacity);
    if (bytes)
        return std::move(*bytes);
    std::size_t need = od::i_block_size - od::inline_dir_parent_size;
    for (const auto& e : listing.entries)
        need += dirent_rec_len(e.name.size());
    out = refuse(out, "does not fit",
                 fmt::format("{} entries need about {} bytes; this inode holds at most {}", listing.entries.size(),
                             need, l.capacity));
    return std::nullopt;
}

// Blocks to inline data, when the inode may and its data fits.
Result<ConvertOutcome> convert_to_inline(Filesystem& fs, const InodeRef& ref, const InlineLayout& l, bool dry_run,
                                         ConvertOutcome out) {
    if (l.inline_flag()) {
        out.status = ConvertStatus::already;
        out.reason = "already inline";
        return out;
    }
    if (auto refused = never_inline(fs, ref, l, out))
        return *refused;
    const auto bytes = E4I_TRY(inline_bytes_to_write(fs, ref, l, out));
    if (!bytes)
        return out;
    const std::vector<std::uint8_t>& data = *bytes;
    out.status = ConvertStatus::converted;
    // i_blocks counts an external xattr block too, which stays.
    const std::uint64_t data_blocks = l.blocks * 512 / fs.block_size() - (l.file_acl != 0 ? 1 : 0);
    out.reason = fmt::format("{} bytes to inline data (capacity {}), freeing {} blocks", data.size(), l.capacity,
                             data_blocks);
    if (!dry_run)
        E4I_TRY(to_inline(fs, ref, l, data));
    return out;
}

}  // namespace

Result<ConvertOutcome> convert_inode(Filesystem& fs, const InodeRef& ref, ConvertTarget target, bool dry_run) {
    ConvertOutcome out;
    out.ref = ref;
    const InlineLayout l = E4I_TRY(fs.layout(ref));
    out.type = l.type;
    out.size = l.size;
    out.capacity = l.capacity;
    if (l.type != FileType::regular && l.type != FileType::directory && l.type != FileType::symlink)
        return refuse(out, "no data", fmt::format("a {} has no data to convert", file_type_name(l.type)));
    if (!l.issues.empty())
        return refuse(out, "corrupt", fmt::format("the inode looks corrupt ({}); run e4inline inspect",
                                                  layout_problem_name(l.issues.front().problem)));
    if (target == ConvertTarget::extents)
        return convert_to_extents(fs, ref, l, dry_run, out);
    return convert_to_inline(fs, ref, l, dry_run, out);
}

namespace {

Result<std::vector<ext2_ino_t>> inodes_under(const Filesystem& fs, const InodeRef& top) {
    std::vector<ext2_ino_t> out{top.ino};
    std::set<ext2_ino_t> seen{top.ino};
    std::vector<ext2_ino_t> dirs{top.ino};
    while (!dirs.empty()) {
        const ext2_ino_t dir = dirs.back();
        dirs.pop_back();
        DirListing children;
        errcode_t err = list_dir(fs.raw(), dir, children);
        if (err == EXT2_ET_NO_DIRECTORY)
            continue;
        if (err)
            return unexpected(fs.error(err, "reading directory", fmt::format("<{}>", dir)));
        for (const auto& [name, ino, type] : children.entries) {
            if (!seen.insert(ino).second)
                continue;
            out.push_back(ino);
            if (type == EXT2_FT_DIR)
                dirs.push_back(ino);
        }
    }
    return out;
}

Result<std::vector<ext2_ino_t>> all_inodes(const Filesystem& fs) {
    ext2_filsys raw_fs = fs.raw();
    if (!raw_fs->inode_map) {
        errcode_t err = ext2fs_read_inode_bitmap(raw_fs);
        if (err)
            return unexpected(fs.error(err, "reading the inode bitmap of"));
    }
    std::vector<ext2_ino_t> out;
    for (ext2_ino_t ino = EXT2_FIRST_INO(raw_fs->super); ino <= raw_fs->super->s_inodes_count; ++ino)
        if (ext2fs_test_inode_bitmap2(raw_fs->inode_map, ino))
            out.push_back(ino);
    return out;
}

}  // namespace

Result<ConvertSummary> convert_all(Filesystem& fs, const std::string& under, ConvertTarget target, bool dry_run,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
    std::vector<ext2_ino_t> inodes;
    if (under.empty()) {
        inodes = E4I_TRY(all_inodes(fs));
    } else {
        const InodeRef top = E4I_TRY(fs.resolve(under));
        inodes = E4I_TRY(inodes_under(fs, top));
    }
    ConvertSummary s;
    for (std::size_t i = 0; i < inodes.size(); ++i) {
        const InodeRef ref{inodes[i], fmt::format("<{}>", inodes[i])};
        const auto raw = E4I_TRY(fs.read_raw_inode(ref.ino));
        const InlineLayout l = parse_inline_layout(raw, fs.has_inline_data());
        if (l.links == 0 || (l.type != FileType::regular && l.type != FileType::directory &&
                             l.type != FileType::symlink)) {
            if (progress)
                progress(i + 1, inodes.size());
            continue;
        }
        ++s.examined;
        const ConvertOutcome out = E4I_TRY(convert_inode(fs, ref, target, dry_run));
        switch (out.status) {
        case ConvertStatus::converted: ++s.converted; break;
        case ConvertStatus::already: ++s.already; break;
        case ConvertStatus::refused:
            ++s.refused;
            ++s.refusals[out.category];
            break;
        }
        if (progress)
            progress(i + 1, inodes.size());
    }
    return s;
}

std::string convert_summary_text(const ConvertSummary& s, ConvertTarget target, bool dry_run) {
    std::string out = fmt::format("{} {} of {} files, directories and symlinks to {}; {} already {}",
                                  dry_run ? "would convert" : "converted", s.converted, s.examined,
                                  convert_target_name(target), s.already,
                                  target == ConvertTarget::extents ? "not inline" : "inline");
    if (s.refused) {
        out += fmt::format("; refused {} (", s.refused);
        bool first = true;
        for (const auto& [category, n] : s.refusals) {
            out += fmt::format("{}{}: {}", first ? "" : ", ", category, n);
            first = false;
        }
        out += ")";
    }
    return out + "\n";
}

}  // namespace e4inline
