#include "lib/create_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "e4inline/create.hpp"
#include "lib/create_steps.hpp"
#include "lib/inline_dir.hpp"
#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"
#include "lib/source.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

using Entry = DirEntrySpec;

class TreeWriter {
public:
    TreeWriter(Filesystem& fs, const TreeOptions& options) : fs_(fs), options_(options) {
        capacity_ = fresh_inode_capacity(fs);
        csum_tail_ = ext2fs_has_feature_metadata_csum(fs.raw()->super) ? sizeof(struct ext2_dir_entry_tail) : 0;
    }

    TreeSummary summary;

    // Copy the children of SRC into the existing directory DIR, one link each.
    Result<void> copy_into_existing(const std::string& src, ext2_ino_t dir) {
        std::vector<Entry> entries;
        std::uint16_t subdirs = 0;
        E4I_TRY(copy_children(src, dir, entries, subdirs));
        if (options_.dry_run)
            return {};
        for (const auto& e : entries)
            E4I_TRY(add_dir_entry(fs_, dir, e.name, e.ino, e.file_type));
        if (subdirs) {
            struct ext2_inode inode {};
            errcode_t err = ext2fs_read_inode(fs_.raw(), dir, &inode);
            if (!err) {
                inode.i_links_count = static_cast<std::uint16_t>(inode.i_links_count + subdirs);
                err = ext2fs_write_inode(fs_.raw(), dir, &inode);
            }
            if (err)
                return unexpected(fs_.error(err, "updating link count of", fmt::format("<{}>", dir)));
        }
        return apply_hardlink_counts();
    }

private:
    Filesystem& fs_;
    const TreeOptions& options_;
    std::size_t capacity_ = 0;
    std::size_t csum_tail_ = 0;
    std::map<std::pair<dev_t, ino_t>, ext2_ino_t> seen_;        // hard links
    std::map<ext2_ino_t, std::uint16_t> extra_links_;
    ext2_ino_t next_hint_ = 0;

    Error source_error(int err, const char* op, const std::string& path) const {
        return errno_error(err, op, path, fs_.image());
    }

    NodeAttrs attrs_of(const struct stat& st) const {
        return NodeAttrs{static_cast<std::uint16_t>(st.st_mode & 07777), st.st_uid, st.st_gid,
                         static_cast<std::int64_t>(st.st_mtime)};
    }

    Result<ext2_ino_t> allocate(ext2_ino_t dir, int mode, bool is_dir, const std::string& path) {
        if (options_.dry_run)
            return ++next_hint_;
        ext2_ino_t ino = 0;
        errcode_t err = ext2fs_new_inode(fs_.raw(), dir, mode, nullptr, &ino);
        if (err)
            return unexpected(fs_.error(err, "allocating an inode for", path));
        ext2fs_inode_alloc_stats2(fs_.raw(), ino, +1, is_dir ? 1 : 0);
        return ino;
    }

    // The content of a source file: st_size is only a hint (a file may grow
    // or shrink while it is copied, /proc and /sys lie), so the buffer grows
    // with what is read, up to what the image can still store plus one byte.
    Result<std::vector<std::uint8_t>> read_file(const std::string& path) {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
        if (!fd)
            return unexpected(source_error(errno, "opening", path));
        const std::uint64_t limit = storable_file_bytes(fs_, true);
        auto data = read_source_fd(fd.get(), path, static_cast<std::size_t>(limit));
        fd.reset();
        if (data && data->size() > limit)
            return unexpected(plain_error(
                ExitCode::operational,
                fmt::format("holds more than the {} bytes the image can still store", limit), path));
        return data;
    }

    struct SpecialKind {
        std::uint16_t mode;  // LINUX_S_IF*
        int file_type;       // EXT2_FT_*
    };
    // Devices, fifos and sockets: inodes without data, as mke2fs -d makes them.
    static std::optional<SpecialKind> special_kind(mode_t mode) {
        if (S_ISCHR(mode))
            return SpecialKind{LINUX_S_IFCHR, EXT2_FT_CHRDEV};
        if (S_ISBLK(mode))
            return SpecialKind{LINUX_S_IFBLK, EXT2_FT_BLKDEV};
        if (S_ISFIFO(mode))
            return SpecialKind{LINUX_S_IFIFO, EXT2_FT_FIFO};
        if (S_ISSOCK(mode))
            return SpecialKind{LINUX_S_IFSOCK, EXT2_FT_SOCK};
        return std::nullopt;
    }

    // The names in the source directory SRC, sorted (the image's order does
    // not depend on readdir's); "." and ".." left out.
    Result<std::vector<std::string>> sorted_names(const std::string& src) {
        UniqueDir d(opendir(src.c_str()));
        if (!d)
            return unexpected(source_error(errno, "opening directory", src));
        std::vector<std::string> names;
        errno = 0;
        while (const dirent* de = readdir(d.get())) {
            const std::string_view n = de->d_name;
            if (n == "." || n == "..")
                continue;
            if (n.size() > EXT2_NAME_LEN)
                return unexpected(fs_.error(ExitCode::operational, "file name longer than 255 bytes",
                                                 src + "/" + std::string(n)));
            names.emplace_back(n);
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    // Hard links, as mke2fs -d keeps them: for every type but directories and
    // symlinks. True when ST is an inode already copied: NAME is one more link.
    bool link_seen(const std::string& name, const struct stat& st, std::vector<Entry>& entries) {
        const auto special = special_kind(st.st_mode);
        if (!(S_ISREG(st.st_mode) || special) || st.st_nlink <= 1)
            return false;
        auto it = seen_.find({st.st_dev, st.st_ino});
        if (it == seen_.end())
            return false;
        entries.push_back({name, it->second, special ? special->file_type : EXT2_FT_REG_FILE});
        ++extra_links_[it->second];
        ++summary.hardlinks;
        return true;
    }

    // A regular file, inline when it fits a new inode.
    Result<Entry> copy_regular(ext2_ino_t dir, const std::string& name, const std::string& path,
                               const struct stat& st) {
        const auto data = E4I_TRY(read_file(path));
        const bool fits = fs_.has_inline_data() && data.size() <= capacity_;
        const ext2_ino_t ino = E4I_TRY(allocate(dir, LINUX_S_IFREG, false, path));
        if (!options_.dry_run)
            E4I_TRY(write_new_file(fs_, ino, static_cast<std::uint16_t>(st.st_mode & 07777), attrs_of(st), data, fits,
                                   path));
        if (st.st_nlink > 1)
            seen_[{st.st_dev, st.st_ino}] = ino;
        ++summary.files;
        summary.files_inline += fits;
        summary.bytes += data.size();
        return Entry{name, ino, EXT2_FT_REG_FILE};
    }

    // A symlink: fast under 60 bytes, else inline when it fits, else a block.
    Result<Entry> copy_symlink(ext2_ino_t dir, const std::string& name, const std::string& path,
                               const struct stat& st) {
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        const ssize_t n = readlink(path.c_str(), target.data(), target.size());
        if (n < 0)
            return unexpected(source_error(errno, "reading symlink", path));
        target.resize(static_cast<std::size_t>(n));
        ext2_ino_t ino = E4I_TRY(allocate(dir, LINUX_S_IFLNK, false, path));
        if (!options_.dry_run) {
            // ext2fs_symlink with a given inode and no name does the
            // accounting itself: undo ours first.
            ext2fs_inode_alloc_stats2(fs_.raw(), ino, -1, 0);
            errcode_t err = ext2fs_symlink(fs_.raw(), dir, ino, nullptr, target.c_str());
            if (err)
                return unexpected(fs_.error(err, "creating symlink", path));
            E4I_TRY(set_attrs(ino, st, path));
        }
        ++summary.symlinks;
        if (is_fast_symlink_target(target.size()))
            ++summary.symlinks_fast;
        else if (fs_.has_inline_data() && target.size() <= capacity_)
            ++summary.symlinks_inline;
        return Entry{name, ino, EXT2_FT_SYMLINK};
    }

    // A device, fifo or socket.
    Result<Entry> copy_special(ext2_ino_t dir, const std::string& name, const std::string& path,
                               const struct stat& st, const SpecialKind& special) {
        const ext2_ino_t ino = E4I_TRY(allocate(dir, special.mode, false, path));
        if (!options_.dry_run)
            E4I_TRY(write_special(ino, special.mode, st, path));
        if (st.st_nlink > 1)
            seen_[{st.st_dev, st.st_ino}] = ino;
        ++summary.specials;
        return Entry{name, ino, special.file_type};
    }

    // Create every child of SRC under image directory DIR; the entries to link
    // are returned, not linked.
    Result<void> copy_children(const std::string& src, ext2_ino_t dir, std::vector<Entry>& entries,
                               std::uint16_t& subdirs) {
        for (const auto& name : E4I_TRY(sorted_names(src))) {
            const std::string path = src + "/" + name;
            struct stat st {};
            if (lstat(path.c_str(), &st) != 0)
                return unexpected(source_error(errno, "reading", path));
            if (link_seen(name, st, entries))
                continue;
            if (S_ISREG(st.st_mode)) {
                entries.push_back(E4I_TRY(copy_regular(dir, name, path, st)));
            } else if (S_ISDIR(st.st_mode)) {
                const ext2_ino_t ino = E4I_TRY(allocate(dir, LINUX_S_IFDIR, true, path));
                E4I_TRY(build_dir(path, dir, ino, st));
                entries.push_back({name, ino, EXT2_FT_DIR});
                ++subdirs;
            } else if (S_ISLNK(st.st_mode)) {
                entries.push_back(E4I_TRY(copy_symlink(dir, name, path, st)));
            } else if (const auto special = special_kind(st.st_mode)) {
                entries.push_back(E4I_TRY(copy_special(dir, name, path, st, *special)));
            } else {
                ++summary.skipped;
            }
        }
        return {};
    }

    // A special inode: mode, owner and times as for a file, no data blocks and
    // no flags (mke2fs -d sets neither EXTENTS_FL nor INLINE_DATA_FL on them).
    // A device number goes into i_block the way the kernel's ext4_mknod
    // stores it (ext4_set_inode_rdev): the old 16-bit form in i_block[0] when
    // major and minor each fit in a byte, else the new form in i_block[1].
    Result<void> write_special(ext2_ino_t ino, std::uint16_t type, const struct stat& st, const std::string& path) {
        auto raw = fresh_inode(fs_, static_cast<std::uint16_t>(type | (st.st_mode & 07777)), attrs_of(st), 1);
        auto* inode = reinterpret_cast<struct ext2_inode_large*>(raw.data());
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            const std::uint32_t maj = major(st.st_rdev), min = minor(st.st_rdev);
            if (maj < 256 && min < 256)
                inode->i_block[0] = ext2fs_cpu_to_le32(maj << 8 | min);
            else
                inode->i_block[1] = ext2fs_cpu_to_le32((min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12));
        }
        errcode_t err = ext2fs_write_inode_full(fs_.raw(), ino, reinterpret_cast<struct ext2_inode*>(raw.data()),
                                                static_cast<int>(raw.size()));
        if (err)
            return unexpected(fs_.error(err, "writing inode", path));
        return {};
    }

    Result<void> set_attrs(ext2_ino_t ino, const struct stat& st, const std::string& path) {
        auto raw = E4I_TRY(fs_.read_raw_inode(ino));
        auto* inode = reinterpret_cast<struct ext2_inode_large*>(raw.data());
        inode->i_mode = static_cast<std::uint16_t>((inode->i_mode & 0xF000) | (st.st_mode & 07777));
        inode->i_uid = static_cast<std::uint16_t>(st.st_uid);
        inode->osd2.linux2.l_i_uid_high = static_cast<std::uint16_t>(st.st_uid >> 16);
        inode->i_gid = static_cast<std::uint16_t>(st.st_gid);
        inode->osd2.linux2.l_i_gid_high = static_cast<std::uint16_t>(st.st_gid >> 16);
        inode->i_atime = inode->i_ctime = inode->i_mtime = static_cast<std::uint32_t>(st.st_mtime);
        errcode_t err = ext2fs_write_inode_full(fs_.raw(), ino, reinterpret_cast<struct ext2_inode*>(raw.data()),
                                                static_cast<int>(raw.size()));
        if (err)
            return unexpected(fs_.error(err, "writing inode", path));
        return {};
    }

    // Make directory INO (allocated, not yet written) from SRC, in one write:
    // inline when its entries fit, else a block directory.
    Result<void> build_dir(const std::string& src, ext2_ino_t parent, ext2_ino_t ino, const struct stat& st) {
        std::vector<Entry> entries;
        std::uint16_t subdirs = 0;
        E4I_TRY(copy_children(src, ino, entries, subdirs));
        ++summary.dirs;
        if (options_.dry_run) {
            summary.dirs_inline += fits_inline(entries);
            return {};
        }
        auto raw = fresh_inode(fs_, static_cast<std::uint16_t>(LINUX_S_IFDIR | (st.st_mode & 07777)), attrs_of(st),
                               static_cast<std::uint16_t>(2 + subdirs));
        auto* inode = reinterpret_cast<struct ext2_inode_large*>(raw.data());
        auto* small = reinterpret_cast<struct ext2_inode*>(raw.data());
        errcode_t err = 0;
        if (fits_inline(entries)) {
            const std::vector<std::uint8_t> data = *inline_dir_bytes(parent, entries, capacity_);
            inode->i_flags |= od::fl_inline_data;
            inode->i_size = static_cast<std::uint32_t>(data.size());
            err = ext2fs_write_inode_full(fs_.raw(), ino, small, static_cast<int>(raw.size()));
            if (!err)
                err = ext2fs_inline_data_init(fs_.raw(), ino);
            if (!err)
                err = ext2fs_inline_data_set(fs_.raw(), ino, nullptr, const_cast<std::uint8_t*>(data.data()),
                                             data.size());
            if (err)
                return unexpected(fs_.error(err, "writing inline directory", src));
            ++summary.dirs_inline;
            return {};
        }
        return write_block_dir(src, parent, ino, raw, entries);
    }

    bool fits_inline(const std::vector<Entry>& entries) const {
        return fs_.has_inline_data() && inline_dir_bytes(0, entries, capacity_).has_value();
    }

    Result<void> write_block_dir(const std::string& src, ext2_ino_t parent, ext2_ino_t ino,
                                 std::vector<std::uint8_t>& raw, std::vector<Entry> entries) {
        ext2_filsys fs = fs_.raw();
        const std::size_t bs = fs->blocksize;
        const std::size_t usable = bs - csum_tail_;
        entries.insert(entries.begin(), {Entry{".", ino, EXT2_FT_DIR}, Entry{"..", parent, EXT2_FT_DIR}});
        std::vector<std::vector<std::uint8_t>> blocks;
        for (std::size_t i = 0; i < entries.size();) {
            std::vector<std::uint8_t> block(bs, 0);
            i += pack_dirent_chain(block, 0, usable, entries, i);
            if (csum_tail_)
                ext2fs_initialize_dirent_tail(fs, reinterpret_cast<struct ext2_dir_entry_tail*>(block.data() + usable));
            blocks.push_back(std::move(block));
        }
        auto* small = reinterpret_cast<struct ext2_inode*>(raw.data());
        errcode_t err = 0;
        if (ext2fs_has_feature_extents(fs->super)) {
            ext2_extent_handle_t handle = nullptr;
            if ((err = ext2fs_extent_open2(fs, ino, small, &handle)))
                return unexpected(fs_.error(err, "initializing extents of", src));
            ext2fs_extent_free(handle);
        }
        const std::uint64_t size = blocks.size() * bs;
        small->i_size = static_cast<std::uint32_t>(size);
        if ((err = ext2fs_write_inode_full(fs, ino, small, static_cast<int>(raw.size()))))
            return unexpected(fs_.error(err, "writing inode", src));
        for (std::size_t lblk = 0; lblk < blocks.size(); ++lblk) {
            // ext2fs_bmap2 with BMAP_ALLOC allocates, accounts and maps the
            // block, and rewrites the inode with the new i_blocks.
            blk64_t pblk = 0;
            err = ext2fs_bmap2(fs, ino, nullptr, nullptr, BMAP_ALLOC, lblk, nullptr, &pblk);
            if (!err)
                err = ext2fs_write_dir_block4(fs, pblk, blocks[lblk].data(), 0, ino);
            if (err)
                return unexpected(fs_.error(err, "writing directory block of", src));
        }
        return {};
    }

    Result<void> apply_hardlink_counts() {
        for (const auto& [ino, extra] : extra_links_) {
            struct ext2_inode inode {};
            errcode_t err = ext2fs_read_inode(fs_.raw(), ino, &inode);
            if (!err) {
                inode.i_links_count = static_cast<std::uint16_t>(inode.i_links_count + extra);
                err = ext2fs_write_inode(fs_.raw(), ino, &inode);
            }
            if (err)
                return unexpected(fs_.error(err, "updating link count of", fmt::format("<{}>", ino)));
        }
        return {};
    }
};

// What a copy of a tree will need, from lstat alone, so that a copy that
// cannot complete is refused before anything is written.
struct TreeNeeds {
    std::uint64_t inodes = 0;
    std::uint64_t blocks = 0;
};

Result<void> estimate_tree(const std::string& src, std::size_t capacity, std::size_t block_size, TreeNeeds& needs,
                           const std::string& image) {
    UniqueDir d(opendir(src.c_str()));
    if (!d)
        return unexpected(errno_error(errno, "opening directory", src, image));
    std::uint64_t dir_bytes = 24;  // "." and ".."
    while (const dirent* de = readdir(d.get())) {
        const std::string_view n = de->d_name;
        if (n == "." || n == "..")
            continue;
        const std::string path = src + "/" + std::string(n);
        struct stat st {};
        if (lstat(path.c_str(), &st) != 0)
            return unexpected(errno_error(errno, "reading", path, image));
        dir_bytes += dirent_rec_len(n.size());
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && !S_ISCHR(st.st_mode) &&
            !S_ISBLK(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
            continue;
        ++needs.inodes;
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (S_ISDIR(st.st_mode))
            E4I_TRY(estimate_tree(path, capacity, block_size, needs, image));
        else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && size > capacity &&
                 !(S_ISLNK(st.st_mode) && is_fast_symlink_target(size)))
            needs.blocks += (size + block_size - 1) / block_size + 1;
    }
    if (dir_bytes > capacity)
        needs.blocks += (dir_bytes + block_size - 1) / block_size + 1;
    return {};
}

Result<void> check_room_for_tree(const Filesystem& fs, const std::string& source_dir, ext2_ino_t dir) {
    // ext2fs_link does not look for an existing name: refuse clashes here.
    UniqueDir d(opendir(source_dir.c_str()));
    if (!d)
        return unexpected(errno_error(errno, "opening directory", source_dir, fs.image()));
    while (const dirent* de = readdir(d.get())) {
        const std::string_view n = de->d_name;
        if (n == "." || n == "..")
            continue;
        ext2_ino_t existing = 0;
        if (ext2fs_lookup(fs.raw(), dir, de->d_name, static_cast<int>(n.size()), nullptr, &existing) == 0)
            return unexpected(fs.error(ExitCode::operational, "file exists in the target directory",
                                            std::string(n)));
    }
    TreeNeeds needs;
    E4I_TRY(estimate_tree(source_dir, fresh_inode_capacity(fs), fs.block_size(), needs, fs.image()));
    const std::uint64_t free_inodes = fs.raw()->super->s_free_inodes_count;
    const std::uint64_t free_blocks = ext2fs_free_blocks_count(fs.raw()->super);
    if (needs.inodes > free_inodes)
        return unexpected(fs.error(
            ExitCode::operational,
            fmt::format("not enough free inodes: the tree needs {}, the image has {}", needs.inodes, free_inodes),
            source_dir));
    // One more block: the target directory may have to grow.
    if (needs.blocks + 1 > free_blocks)
        return unexpected(fs.error(ExitCode::operational,
                                        fmt::format("not enough free blocks: the tree needs about {}, the image has {}",
                                                    needs.blocks + 1, free_blocks),
                                        source_dir));
    return {};
}

}  // namespace

Result<TreeSummary> create_from_dir(Filesystem& fs, const std::string& source_dir, const std::string& into,
                                    const TreeOptions& options) {
    struct stat st {};
    if (stat(source_dir.c_str(), &st) != 0)
        return unexpected(errno_error(errno, "opening", source_dir));
    if (!S_ISDIR(st.st_mode))
        return unexpected(plain_error(ExitCode::usage, "not a directory", source_dir));
    ext2_ino_t dir = E4I_TRY(lookup_path(fs, into));
    if (dir == 0) {
        if (!options.parents)
            return unexpected(fs.error(ExitCode::operational, "no such directory (-p makes it)", into));
        CreateRequest req;
        req.path = into;
        req.kind = NodeKind::directory;
        req.parents = true;
        if (!options.dry_run)
            dir = E4I_TRY(create_node(fs, req)).ino;
    } else {
        struct ext2_inode inode {};
        errcode_t err = ext2fs_read_inode(fs.raw(), dir, &inode);
        if (err)
            return unexpected(fs.error(err, "reading inode", into));
        if (!LINUX_S_ISDIR(inode.i_mode))
            return unexpected(fs.error(ExitCode::operational, "not a directory", into));
    }
    if (dir != 0)
        E4I_TRY(check_room_for_tree(fs, source_dir, dir));
    TreeWriter writer(fs, options);
    E4I_TRY(writer.copy_into_existing(source_dir, dir));
    return writer.summary;
}

std::uint64_t storable_file_bytes(const Filesystem& fs, bool allow_extents) {
    const std::uint64_t capacity = fs.has_inline_data() ? fresh_inode_capacity(fs) : 0;
    if (!allow_extents)
        return capacity;
    // One block goes to an extent tree that outgrows i_block (check_free_blocks).
    const std::uint64_t free_blocks = ext2fs_free_blocks_count(fs.raw()->super);
    const std::uint64_t in_blocks = free_blocks > 1 ? (free_blocks - 1) * fs.block_size() : 0;
    return std::min<std::uint64_t>(std::max(capacity, in_blocks), std::uint64_t{1} << 30);
}

Result<std::vector<std::uint8_t>> read_file_source(const Filesystem& fs, const std::string& source,
                                                   bool allow_extents) {
    const std::uint64_t limit = storable_file_bytes(fs, allow_extents);
    auto data = E4I_TRY(read_source(source, static_cast<std::size_t>(limit)));
    if (data.size() <= limit)
        return data;
    if (!allow_extents)
        return unexpected(plain_error(ExitCode::not_applicable,
                                        fmt::format("more than {0} bytes do not fit inline: a new inode here holds "
                                                    "at most {0} bytes (--allow-extents stores them in extents)",
                                                    limit),
                                        source));
    return unexpected(plain_error(
        ExitCode::operational,
        fmt::format("holds more than the {} bytes a new file here can get (the free space, at most 1 GiB)", limit),
        source));
}

std::string tree_summary_text(const TreeSummary& s, bool dry_run) {
    std::string out = fmt::format(
        "{}: {} regular files ({} inline, {} bytes), {} directories ({} inline), {} symlinks ({} inline, {} fast)",
        dry_run ? "would create" : "created", s.files, s.files_inline, s.bytes, s.dirs, s.dirs_inline, s.symlinks,
        s.symlinks_inline, s.symlinks_fast);
    if (s.hardlinks)
        out += fmt::format(", {} hard links", s.hardlinks);
    if (s.specials)
        out += fmt::format(", {} special files", s.specials);
    if (s.skipped)
        out += fmt::format("; skipped {} special files", s.skipped);
    return out + "\n";
}

}  // namespace e4inline
