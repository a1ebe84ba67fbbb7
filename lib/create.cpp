#include "e4inline/create.hpp"
#include "lib/create_steps.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fmt/format.h>

#include "lib/ondisk.hpp"
#include "lib/capacity.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

// ext4_dir_rec_len(1): the smallest directory entry. ext4_update_inline_dir
// refuses to grow an inline directory by this much or less.
constexpr std::size_t min_dirent_len = 12;

// i_extra_isize of a new inode of FS, as the kernel gives it.
std::uint16_t new_extra_isize(const Filesystem& fs) {
    ext2_super_block* sb = fs.raw()->super;
    return new_inode_extra_isize(fs.inode_size(), ext2fs_has_feature_extra_isize(sb), sb->s_want_extra_isize,
                                 sb->s_min_extra_isize);
}

Result<void> check_free_blocks(const Filesystem& fs, std::uint64_t bytes, const std::string& path) {
    // Blocks for the data plus one for an extent tree that outgrows i_block.
    const std::uint64_t need = (bytes + fs.block_size() - 1) / fs.block_size() + 1;
    const std::uint64_t free_blocks = ext2fs_free_blocks_count(fs.raw()->super);
    if (need > free_blocks)
        return unexpected(fs.error(
            ExitCode::operational, fmt::format("not enough free blocks: {} needed, {} free", need, free_blocks), path));
    return {};
}

struct ext2_inode_large* as_inode(std::vector<std::uint8_t>& raw) {
    return reinterpret_cast<struct ext2_inode_large*>(raw.data());
}

std::string join_path(const std::vector<std::string>& comps, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += "/" + comps[i];
    return out.empty() ? "/" : out;
}

std::uint16_t default_perm(NodeKind k) {
    switch (k) {
    case NodeKind::regular: return 0644;
    case NodeKind::directory: return 0755;
    case NodeKind::symlink: return 0777;
    }
    return 0644;
}

// Owner and times of ATTRS into INODE, an on-disk inode of INODE_SIZE bytes:
// uid and gid with their high halves, atime = ctime = mtime (the given mtime,
// else now), and i_crtime where the inode is large and its i_extra_isize
// reaches it (24 bytes past the first 128; a 128-byte inode has no i_extra_isize).
void set_owner_and_times(struct ext2_inode_large* inode, std::size_t inode_size, const NodeAttrs& attrs) {
    inode->i_uid = static_cast<std::uint16_t>(attrs.uid);
    inode->osd2.linux2.l_i_uid_high = static_cast<std::uint16_t>(attrs.uid >> 16);
    inode->i_gid = static_cast<std::uint16_t>(attrs.gid);
    inode->osd2.linux2.l_i_gid_high = static_cast<std::uint16_t>(attrs.gid >> 16);
    const auto t = static_cast<std::uint32_t>(attrs.mtime.value_or(std::time(nullptr)));
    inode->i_atime = inode->i_ctime = inode->i_mtime = t;
    if (inode_size > od::good_old_inode_size && inode->i_extra_isize >= 24)
        inode->i_crtime = t;
}

// Overwrite permissions, owner and times of an inode made by libext2fs
// (ext2fs_mkdir, ext2fs_symlink), keeping everything else.
Result<void> apply_attrs(Filesystem& fs, ext2_ino_t ino, NodeKind kind, const NodeAttrs& attrs,
                         const std::string& path) {
    auto raw = E4I_TRY(fs.read_raw_inode(ino));
    auto* inode = as_inode(raw);
    inode->i_mode = static_cast<std::uint16_t>((inode->i_mode & 0xF000) | (attrs.perm.value_or(default_perm(kind)) & 07777));
    set_owner_and_times(inode, raw.size(), attrs);
    errcode_t err = ext2fs_write_inode_full(fs.raw(), ino, reinterpret_cast<struct ext2_inode*>(raw.data()),
                                            static_cast<int>(raw.size()));
    if (err)
        return unexpected(fs.error(err, "writing inode", path));
    return {};
}

// Grow an inline directory's system.data to its full capacity, extending the
// last entry of the second chain or starting that chain with one empty entry,
// as ext4_update_inline_dir and ext4_update_final_de do. False when the
// directory cannot grow by more than one minimal entry.
Result<bool> grow_inline_dir(Filesystem& fs, ext2_ino_t dir, const InlineLayout& l) {
    const std::size_t old_size = l.inline_size;
    const std::size_t new_size = l.capacity;
    if (new_size <= old_size || new_size - old_size <= min_dirent_len)
        return false;
    auto data = l.inline_bytes();
    data.resize(new_size, 0);
    if (old_size <= od::i_block_size) {
        // A second chain of one unused entry spanning the new region.
        const std::uint32_t rec_len = static_cast<std::uint32_t>(new_size - od::i_block_size);
        std::memset(data.data() + od::i_block_size, 0, od::dirent_header_size);
        data[od::i_block_size + 4] = static_cast<std::uint8_t>(rec_len);
        data[od::i_block_size + 5] = static_cast<std::uint8_t>(rec_len >> 8);
    } else {
        const InlineDirEntry* last = nullptr;
        for (const auto& e : l.dir_entries)
            if (e.region == 1)
                last = &e;
        if (!last)
            return false;
        const std::uint32_t rec_len = static_cast<std::uint32_t>(last->rec_len + (new_size - old_size));
        data[last->offset + 4] = static_cast<std::uint8_t>(rec_len);
        data[last->offset + 5] = static_cast<std::uint8_t>(rec_len >> 8);
    }
    const std::string obj = fmt::format("<{}>", dir);
    struct ext2_inode inode {};
    errcode_t err = ext2fs_read_inode(fs.raw(), dir, &inode);
    if (!err) {
        // An inline directory's i_size is its inline size (e2fsck pass2).
        inode.i_size = static_cast<std::uint32_t>(new_size);
        err = ext2fs_inline_data_set(fs.raw(), dir, &inode, data.data(), data.size());
    }
    if (err == EXT2_ET_INLINE_DATA_NO_SPACE)
        return false;
    if (err)
        return unexpected(fs.error(err, "growing inline directory", obj));
    return true;
}

}  // namespace

const char* node_kind_name(NodeKind k) {
    switch (k) {
    case NodeKind::regular: return "regular file";
    case NodeKind::directory: return "directory";
    case NodeKind::symlink: return "symlink";
    }
    return "unknown";
}

std::vector<std::string> path_components(const std::string& path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= path.size()) {
        const std::size_t j = std::min(path.find('/', i), path.size());
        std::string c = path.substr(i, j - i);
        if (!c.empty() && c != ".")
            out.push_back(std::move(c));
        i = j + 1;
    }
    return out;
}

Result<ext2_ino_t> lookup_path(const Filesystem& fs, const std::string& path) {
    ext2_ino_t cur = EXT2_ROOT_INO;
    for (const auto& c : path_components(path)) {
        ext2_ino_t next = 0;
        errcode_t err = ext2fs_lookup(fs.raw(), cur, c.c_str(), static_cast<int>(c.size()), nullptr, &next);
        if (err == EXT2_ET_FILE_NOT_FOUND)
            return ext2_ino_t{0};
        if (err)
            return unexpected(fs.error(err, "looking up", path));
        cur = next;
    }
    return cur;
}

std::vector<std::uint8_t> fresh_inode(const Filesystem& fs, std::uint16_t mode, const NodeAttrs& attrs,
                                      std::uint16_t links) {
    std::vector<std::uint8_t> raw(std::max<std::size_t>(fs.inode_size(), sizeof(struct ext2_inode_large)), 0);
    auto* inode = as_inode(raw);
    inode->i_mode = mode;
    inode->i_links_count = links;
    inode->i_extra_isize = new_extra_isize(fs);
    set_owner_and_times(inode, fs.inode_size(), attrs);
    raw.resize(fs.inode_size());
    return raw;
}

std::size_t fresh_inode_capacity(const Filesystem& fs) {
    if (!fs.has_inline_data())
        return 0;
    return new_inode_max_inline_size(fs.inode_size(), new_extra_isize(fs));
}

Result<void> make_room_in_dir(Filesystem& fs, ext2_ino_t dir) {
    const auto raw = E4I_TRY(fs.read_raw_inode(dir));
    const InlineLayout l = parse_inline_layout(raw, fs.has_inline_data());
    if (l.inline_flag() && E4I_TRY(grow_inline_dir(fs, dir, l)))
        return {};
    // An inline directory becomes a block directory (ext2fs_inline_data_expand);
    // a block directory gets one more block, and maybe an extent tree block.
    // Say so plainly when there is no block for that (the staged writes keep
    // the image as it was in any case).
    const std::uint64_t need = l.inline_flag() ? 1 : 2;
    if (ext2fs_free_blocks_count(fs.raw()->super) < need)
        return unexpected(fs.error(ExitCode::operational,
                                        fmt::format("the directory is full and no free block is left to grow it "
                                                    "({} needed, {} free)",
                                                    need, ext2fs_free_blocks_count(fs.raw()->super)),
                                        fmt::format("<{}>", dir)));
    errcode_t err = ext2fs_expand_dir(fs.raw(), dir);
    if (err)
        return unexpected(fs.error(err, "expanding directory", fmt::format("<{}>", dir)));
    return {};
}

Result<void> add_dir_entry(Filesystem& fs, ext2_ino_t dir, const std::string& name, ext2_ino_t ino,
                           int ext2_file_type) {
    for (int attempt = 0;; ++attempt) {
        errcode_t err = ext2fs_link(fs.raw(), dir, name.c_str(), ino, ext2_file_type);
        if (!err)
            return {};
        if (err != EXT2_ET_DIR_NO_SPACE || attempt == 3)
            return unexpected(fs.error(err, "linking", name));
        E4I_TRY(make_room_in_dir(fs, dir));
    }
}

namespace {

// ext2fs_mkdir and ext2fs_symlink link the new inode themselves and give up
// on a full parent before they allocate anything; make room and retry.
template <class F>
Result<void> retry_on_full_dir(Filesystem& fs, ext2_ino_t parent, const std::string& path, const char* op, F&& f) {
    for (int attempt = 0;; ++attempt) {
        errcode_t err = f();
        if (!err)
            return {};
        if (err != EXT2_ET_DIR_NO_SPACE || attempt == 3)
            return unexpected(fs.error(err, op, path));
        E4I_TRY(make_room_in_dir(fs, parent));
    }
}

Result<ext2_ino_t> make_directory(Filesystem& fs, ext2_ino_t parent, const std::string& name,
                                  const std::string& path) {
    E4I_TRY(retry_on_full_dir(fs, parent, path, "creating directory",
                              [&] { return ext2fs_mkdir(fs.raw(), parent, 0, name.c_str()); }));
    ext2_ino_t ino = 0;
    errcode_t err = ext2fs_lookup(fs.raw(), parent, name.c_str(), static_cast<int>(name.size()), nullptr, &ino);
    if (err)
        return unexpected(fs.error(err, "looking up", path));
    return ino;
}

Result<ext2_ino_t> create_regular(Filesystem& fs, ext2_ino_t parent, const std::string& name,
                                  const CreateRequest& req, bool inline_data) {
    if (!inline_data)
        E4I_TRY(check_free_blocks(fs, req.data.size(), req.path));
    ext2_ino_t ino = 0;
    errcode_t err = ext2fs_new_inode(fs.raw(), parent, LINUX_S_IFREG | 0644, nullptr, &ino);
    if (err)
        return unexpected(fs.error(err, "allocating an inode for", req.path));
    E4I_TRY(add_dir_entry(fs, parent, name, ino, EXT2_FT_REG_FILE));
    ext2fs_inode_alloc_stats2(fs.raw(), ino, +1, 0);
    E4I_TRY(write_new_file(fs, ino, req.attrs.perm.value_or(0644), req.attrs, req.data, inline_data, req.path));
    return ino;
}

}  // namespace

Result<void> write_new_file(Filesystem& fs, ext2_ino_t ino, std::uint16_t perm, const NodeAttrs& attrs,
                            std::span<const std::uint8_t> data, bool inline_data, const std::string& path) {
    ext2_filsys raw_fs = fs.raw();
    auto raw = fresh_inode(fs, static_cast<std::uint16_t>(LINUX_S_IFREG | (perm & 07777)), attrs, 1);
    auto* inode = as_inode(raw);
    auto* small = reinterpret_cast<struct ext2_inode*>(raw.data());
    inode->i_size = static_cast<std::uint32_t>(data.size());
    inode->i_size_high = static_cast<std::uint32_t>(static_cast<std::uint64_t>(data.size()) >> 32);
    errcode_t err = 0;
    if (inline_data) {
        inode->i_flags |= od::fl_inline_data;
        err = ext2fs_write_inode_full(raw_fs, ino, small, static_cast<int>(raw.size()));
        if (!err)
            err = ext2fs_inline_data_init(raw_fs, ino);
        if (!err && !data.empty())
            err = ext2fs_inline_data_set(raw_fs, ino, nullptr, const_cast<std::uint8_t*>(data.data()), data.size());
        if (err)
            return unexpected(fs.error(err, "writing inline data of", path));
        return {};
    }
    if (ext2fs_has_feature_extents(raw_fs->super)) {
        // ext2fs_extent_open2 on an inode without EXTENTS_FL writes an empty
        // extent header into i_block and sets the flag.
        ext2_extent_handle_t handle = nullptr;
        err = ext2fs_extent_open2(raw_fs, ino, small, &handle);
        if (err)
            return unexpected(fs.error(err, "initializing extents of", path));
        ext2fs_extent_free(handle);
    }
    err = ext2fs_write_inode_full(raw_fs, ino, small, static_cast<int>(raw.size()));
    if (err)
        return unexpected(fs.error(err, "writing inode", path));
    if (data.empty())
        return {};
    ext2_file_t file = nullptr;
    err = ext2fs_file_open(raw_fs, ino, EXT2_FILE_WRITE, &file);
    if (err)
        return unexpected(fs.error(err, "opening", path));
    unsigned int written = 0;
    err = ext2fs_file_write(file, data.data(), static_cast<unsigned int>(data.size()), &written);
    errcode_t close_err = ext2fs_file_close(file);
    if (!err && written != data.size())
        err = EXT2_ET_SHORT_WRITE;
    if (err || close_err)
        return unexpected(fs.error(err ? err : close_err, "writing", path));
    return {};
}

namespace {

// The path and the filesystem allow the request at all: a name to create,
// no component too long or "..", inline data or --allow-extents.
Result<void> check_request(const Filesystem& fs, const CreateRequest& req, const std::vector<std::string>& comps) {
    if (comps.empty())
        return unexpected(fs.error(ExitCode::usage, "cannot create the root directory", req.path));
    for (const auto& c : comps)
        if (c.size() > EXT2_NAME_LEN || c == "..")
            return unexpected(fs.error(ExitCode::usage, fmt::format("bad file name component '{}'", c), req.path));
    if (!fs.has_inline_data() && !req.allow_extents)
        return unexpected(
            fs.error(ExitCode::not_applicable, "the filesystem does not have the inline_data feature", req.path));
    return {};
}

// BYTES over the capacity go to extents when allowed, else they are refused
// with how much would fit (WHAT: what does not fit; INSTEAD: where
// --allow-extents would put it).
Result<void> place_over_capacity(const Filesystem& fs, const CreateRequest& req, CreateOutcome& out,
                                 std::size_t bytes, const std::string& what, const char* instead) {
    if (bytes <= out.capacity)
        return {};
    if (!req.allow_extents)
        return unexpected(fs.error(ExitCode::not_applicable,
                                   fmt::format("{} not fit inline: a new inode here holds at most {} bytes "
                                               "(--allow-extents stores {})",
                                               what, out.capacity, instead),
                                   req.path));
    out.storage = Storage::extents;
    return {};
}

// A symlink target: not empty, shorter than a block; under 60 bytes it is a
// fast symlink, else it goes inline or (allowed) to a block.
Result<void> plan_symlink(const Filesystem& fs, const CreateRequest& req, CreateOutcome& out) {
    if (req.target.empty())
        return unexpected(fs.error(ExitCode::usage, "empty symlink target", req.path));
    if (req.target.size() >= fs.block_size())
        return unexpected(fs.error(ExitCode::usage,
                                   fmt::format("symlink target of {} bytes is too long (the limit is {})",
                                               req.target.size(), fs.block_size() - 1),
                                   req.path));
    if (!is_fast_symlink_target(req.target.size()))
        return place_over_capacity(fs, req, out, req.target.size(),
                                   fmt::format("a {}-byte symlink target does", req.target.size()), "it in a block");
    out.storage = Storage::fast_symlink;
    out.note = fmt::format("the {}-byte target is under 60 bytes: stored as a fast symlink in i_block, "
                           "not as inline data",
                           req.target.size());
    return {};
}

// ext2fs_mkdir makes every new directory inline on an inline_data
// filesystem; with no in-inode xattr space (128-byte inodes) there is no
// room for system.data and e2fsck rejects the directory.
Result<void> check_dir_fits(const Filesystem& fs, const CreateOutcome& out, const std::string& path) {
    if (fs.has_inline_data() && out.capacity == 0)
        return unexpected(fs.error(ExitCode::not_applicable,
                                   "an inline directory does not fit: a new inode here holds 0 bytes inline "
                                   "(no in-inode xattr space for system.data)",
                                   path));
    return {};
}

// Decide the storage before touching anything: OUT's capacity and storage.
Result<void> plan_storage(const Filesystem& fs, const CreateRequest& req, CreateOutcome& out) {
    out.capacity = fresh_inode_capacity(fs);
    switch (req.kind) {
    case NodeKind::regular:
        E4I_TRY(place_over_capacity(fs, req, out, req.data.size(), fmt::format("{} bytes do", req.data.size()),
                                    "them in extents"));
        break;
    case NodeKind::directory:
        if (!fs.has_inline_data())
            out.storage = Storage::extents;
        E4I_TRY(check_dir_fits(fs, out, req.path));
        break;
    case NodeKind::symlink:
        E4I_TRY(plan_symlink(fs, req, out));
        break;
    }
    return {};
}

// Where the new node goes: its parent directory, and whether that parent is
// yet to be made (only in a dry run, where nothing is written).
struct ParentDir {
    ext2_ino_t ino = EXT2_ROOT_INO;
    bool is_new = false;
};

// Walk (and with -p make) the parents of the last component.
Result<ParentDir> walk_parents(Filesystem& fs, const CreateRequest& req, const std::vector<std::string>& comps,
                               bool dry_run, CreateOutcome& out) {
    ParentDir parent;
    for (std::size_t i = 0; i + 1 < comps.size(); ++i) {
        const std::string here = join_path(comps, i + 1);
        ext2_ino_t next = 0;
        errcode_t err = parent.is_new ? EXT2_ET_FILE_NOT_FOUND
                                      : ext2fs_lookup(fs.raw(), parent.ino, comps[i].c_str(),
                                                      static_cast<int>(comps[i].size()), nullptr, &next);
        if (err == EXT2_ET_FILE_NOT_FOUND) {
            if (!req.parents)
                return unexpected(fs.error(ExitCode::operational, "no such directory (-p makes missing parents)", here));
            E4I_TRY(check_dir_fits(fs, out, here));
            out.parents_made.push_back(here);
            if (dry_run) {
                parent.is_new = true;
                continue;
            }
            next = E4I_TRY(make_directory(fs, parent.ino, comps[i], here));
            E4I_TRY(apply_attrs(fs, next, NodeKind::directory,
                                NodeAttrs{std::nullopt, req.attrs.uid, req.attrs.gid, req.attrs.mtime}, here));
        } else if (err) {
            return unexpected(fs.error(err, "looking up", here));
        } else {
            struct ext2_inode inode {};
            if ((err = ext2fs_read_inode(fs.raw(), next, &inode)))
                return unexpected(fs.error(err, "reading inode", here));
            if (!LINUX_S_ISDIR(inode.i_mode))
                return unexpected(fs.error(ExitCode::operational, "not a directory", here));
        }
        parent.ino = next;
    }
    return parent;
}

// NAME is not yet in the directory PARENT.
Result<void> check_name_free(const Filesystem& fs, ext2_ino_t parent, const std::string& name,
                             const std::string& path) {
    ext2_ino_t existing = 0;
    errcode_t err = ext2fs_lookup(fs.raw(), parent, name.c_str(), static_cast<int>(name.size()), nullptr, &existing);
    if (!err)
        return unexpected(fs.error(ExitCode::operational, "file exists", path));
    if (err != EXT2_ET_FILE_NOT_FOUND)
        return unexpected(fs.error(err, "looking up", path));
    return {};
}

// Write the node NAME in PARENT as planned in OUT; its inode number.
Result<ext2_ino_t> write_node(Filesystem& fs, ext2_ino_t parent, const std::string& name, const CreateRequest& req,
                              const CreateOutcome& out) {
    ext2_ino_t ino = 0;
    switch (req.kind) {
    case NodeKind::regular:
        return create_regular(fs, parent, name, req, out.storage == Storage::inline_data);
    case NodeKind::directory:
        ino = E4I_TRY(make_directory(fs, parent, name, req.path));
        break;
    case NodeKind::symlink: {
        E4I_TRY(retry_on_full_dir(fs, parent, req.path, "creating symlink", [&] {
            return ext2fs_symlink(fs.raw(), parent, 0, name.c_str(), req.target.c_str());
        }));
        errcode_t err = ext2fs_lookup(fs.raw(), parent, name.c_str(), static_cast<int>(name.size()), nullptr, &ino);
        if (err)
            return unexpected(fs.error(err, "looking up", req.path));
        break;
    }
    }
    E4I_TRY(apply_attrs(fs, ino, req.kind, req.attrs, req.path));
    return ino;
}

}  // namespace

Result<CreateOutcome> create_node(Filesystem& fs, const CreateRequest& req, bool dry_run) {
    CreateOutcome out;
    const auto comps = path_components(req.path);
    E4I_TRY(check_request(fs, req, comps));
    E4I_TRY(plan_storage(fs, req, out));
    const ParentDir parent = E4I_TRY(walk_parents(fs, req, comps, dry_run, out));
    const std::string& name = comps.back();
    if (!parent.is_new)
        E4I_TRY(check_name_free(fs, parent.ino, name, req.path));
    if (dry_run)
        return out;
    out.ino = E4I_TRY(write_node(fs, parent.ino, name, req, out));
    // Report what is on disk now, not what was planned.
    const auto raw = E4I_TRY(fs.read_raw_inode(out.ino));
    out.storage = parse_inline_layout(raw, fs.has_inline_data()).storage;
    return out;
}

}  // namespace e4inline
