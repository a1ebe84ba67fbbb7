// Creating one inode whose data is stored inline: a regular file, a directory
// or a symlink, linked into its parent directory the way the kernel would
// (an inline parent grows into system.data before it becomes a block directory).
#pragma once

#include <cstdint>
#include <optional>
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

// Create REQ.path. With dry_run nothing is written; the outcome says what would be.
E4I_EXPORT Result<CreateOutcome> create_node(Filesystem& fs, const CreateRequest& req, bool dry_run = false);

// Look up an absolute path component by component; 0 when a component is missing.
E4I_EXPORT Result<std::uint32_t> lookup_path(const Filesystem& fs, const std::string& path);

}  // namespace e4inline
