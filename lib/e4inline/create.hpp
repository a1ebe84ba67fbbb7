// Creating one inode whose data is stored inline: a regular file, a directory
// or a symlink, linked into its parent directory the way the kernel would
// (an inline parent grows into system.data before it becomes a block directory).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "e4inline/error.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

enum class NodeKind { regular, directory, symlink };
E4I_EXPORT const char* node_kind_name(NodeKind k);

// Ownership, permissions and times of a new inode.
struct NodeAttrs {
    std::optional<std::uint16_t> perm;  // permission bits; default 0644, 0755 dirs, 0777 symlinks
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::optional<std::int64_t> mtime;  // seconds since the epoch; default now
};

struct CreateRequest {
    std::string path;                 // absolute (a relative one is taken from /)
    NodeKind kind = NodeKind::regular;
    std::vector<std::uint8_t> data;   // regular: the content
    std::string target;               // symlink: the target
    NodeAttrs attrs;
    bool parents = false;             // -p: make missing parent directories
    bool allow_extents = false;       // store data that does not fit in extents
};

struct CreateOutcome {
    std::uint32_t ino = 0;               // 0 on a dry run
    Storage storage = Storage::inline_data;
    std::size_t capacity = 0;         // inline capacity of the new inode
    std::vector<std::string> parents_made;
    std::string note;                 // e.g. why a symlink is fast, not inline
};

// The inline capacity of an inode as this library creates it (no xattrs but
// system.data, i_extra_isize as libext2fs writes it), computed by our parser.
E4I_EXPORT std::size_t fresh_inode_capacity(const Filesystem& fs);

// Raw inode bytes of a new inode, inode_size() long, with the fields every
// inode this library creates shares (i_extra_isize included).
E4I_EXPORT std::vector<std::uint8_t> fresh_inode(const Filesystem& fs, std::uint16_t mode, const NodeAttrs& attrs,
                                                 std::uint16_t links);

// Write a new regular file's inode INO (already allocated) with DATA, inline
// or, when inline_data is false, in extents. Free blocks are checked first.
E4I_EXPORT Result<void> write_new_file(Filesystem& fs, std::uint32_t ino, std::uint16_t perm, const NodeAttrs& attrs,
                                       std::span<const std::uint8_t> data, bool inline_data, const std::string& path);

// Create REQ.path. With dry_run nothing is written; the outcome says what would be.
E4I_EXPORT Result<CreateOutcome> create_node(Filesystem& fs, const CreateRequest& req, bool dry_run = false);

// Link INO into directory DIR under NAME, making room as the kernel does: an
// inline directory first grows into system.data up to its capacity
// (ext4_try_add_inline_entry/ext4_update_inline_dir), then becomes a block
// directory; a block directory gets a new block.
E4I_EXPORT Result<void> add_dir_entry(Filesystem& fs, std::uint32_t dir, const std::string& name, std::uint32_t ino,
                                      int ext2_file_type);

// Make room for one more entry in DIR (see add_dir_entry).
E4I_EXPORT Result<void> make_room_in_dir(Filesystem& fs, std::uint32_t dir);

// Look up an absolute path component by component; 0 when a component is missing.
E4I_EXPORT Result<std::uint32_t> lookup_path(const Filesystem& fs, const std::string& path);

// Split "/a/b/c" into {"a", "b", "c"}; empty components and "." are dropped.
E4I_EXPORT std::vector<std::string> path_components(const std::string& path);

}  // namespace e4inline
