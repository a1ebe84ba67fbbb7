// crosscheck: the kernel's view of a mounted ext4 filesystem (page cache,
// FS_IOC_GETFLAGS, FIEMAP, stat, readdir, readlink) against the inodes on
// disk, read with O_DIRECT while the filesystem is frozen.
//
//   auto report = E4I_TRY(crosscheck("/mnt", {"/a", "/d"}, {}));
//   for (const Mismatch& m : report.mismatches) ...
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <ext2fs/ext2fs.h>
#include <nlohmann/json.hpp>

#include "e4inline/error.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

struct CrosscheckOptions {
    bool freeze = true;        // false: syncfs instead; concurrent writers can then cause false reports
    bool inline_only = false;  // skip files whose data is not inline (on disk and in the kernel)
    std::chrono::milliseconds max_freeze{10000};
    bool watchdog = true;      // see FreezeGuard
    bool signal_handlers = true;
    bool prewarm = false;      // read everything once before freezing (shorter freeze from cold caches)
    int threads = 2;           // threads reading the kernel's view (directories in parallel)
    // Testing hook: hold the freeze this long before thawing.
    std::chrono::milliseconds hold_freeze{0};
};

enum class MismatchKind {
    type,            // the kernel and the disk disagree on the file type (inode reused?)
    flag,            // EXT4_INLINE_DATA_FL: FS_IOC_GETFLAGS against i_flags
    fiemap,          // FIEMAP's inline extent against the inode's position and inline size
    size,            // st_size against i_size
    content,         // page-cache bytes against i_block + system.data (or the extents)
    dir_entries,     // readdir against the on-disk entries
    symlink_target,  // readlink against the on-disk target
    disk_layout,     // the on-disk inode cannot be read as what its flags say
    missing,         // manifest: the path does not exist in the image
    inode,           // manifest: the path names another inode in the image
};
const char* mismatch_kind_name(MismatchKind k);

struct Mismatch {
    std::string path;          // from the mount point, "/d/f"
    ext2_ino_t ino = 0;
    FileType type = FileType::unknown;
    MismatchKind kind = MismatchKind::content;
    bool has_offset = false;   // content and symlink_target: first differing byte
    std::uint64_t offset = 0;
    std::string kernel;        // the kernel's value, in words ("inline", "size 70")
    std::string disk;          // the disk's value
    // A window of both sides around `offset` (from window_offset), for the hexdump.
    std::uint64_t window_offset = 0;
    std::vector<std::uint8_t> kernel_window{}, disk_window{};
};

struct CrosscheckCounts {
    std::uint64_t files = 0;        // inodes compared
    std::uint64_t regular = 0, directories = 0, symlinks = 0;
    std::uint64_t inline_files = 0; // inline on disk
    std::uint64_t skipped = 0;      // not inline with --inline-only, special files, other mounts
    std::uint64_t bytes = 0;        // page-cache bytes compared
};

struct CrosscheckReport {
    std::string mountpoint;
    std::string device;
    std::string backing_file;  // empty unless the device is a loop device
    std::string uuid;
    bool frozen = false;       // false with --no-freeze (syncfs)
    double freeze_ms = 0;      // how long the filesystem was frozen
    double total_ms = 0;       // the whole check
    CrosscheckCounts counts;
    std::vector<Mismatch> mismatches;
    std::vector<std::string> warnings;  // vanished files, unreadable entries, --no-freeze
    bool equal() const { return mismatches.empty(); }
};

// Check PATHS (relative to MOUNTPOINT or absolute inside it; directories are
// walked recursively, never into other mounts), or the whole filesystem when
// PATHS is empty. Needs CAP_SYS_ADMIN. An Error is an operational failure
// (not root, not ext4, UUID differs, I/O, freeze broken); mismatches are data.
Result<CrosscheckReport> crosscheck(const std::string& mountpoint, const std::vector<std::string>& paths,
                                    const CrosscheckOptions& options = {});

// The human report (mismatches with hexdumps, then a summary) and the JSON
// document described in e4inline(8).
std::string crosscheck_text(const CrosscheckReport& report);
nlohmann::ordered_json crosscheck_json(const CrosscheckReport& report);

}  // namespace e4inline
