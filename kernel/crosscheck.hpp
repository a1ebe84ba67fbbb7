// crosscheck: the kernel's view of a mounted ext4 filesystem (page cache,
// FS_IOC_GETFLAGS, FIEMAP, stat, readdir, readlink) against the inodes on
// disk, read with O_DIRECT while the filesystem is frozen.
//
//   auto report = E4I_TRY(crosscheck("/mnt", {"/a", "/d"}, {}));
//   for (const Mismatch& m : report.mismatches) ...
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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
    // The way before 2026-12, kept for comparison (bench/crosscheck): read
    // the kernel's whole view while frozen. By default it is read before the
    // freeze and proved unchanged under it (see crosscheck()).
    bool walk_frozen = false;
    bool io_uring = true;      // batch the device reads with io_uring when available
    // Checkpoint the journal (EXT4_IOC_CHECKPOINT) right before the freeze,
    // where the kernel has it, so that FIFREEZE has little left to flush.
    bool checkpoint = true;
    // Testing hook: run after the kernel's view was first read and before
    // the freeze, the window this way of checking opens (the test changes
    // the image behind the kernel's back there).
    std::function<void()> before_freeze{};
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
    std::uint64_t changed = 0;      // changed after the first reading: read again under the freeze
    std::uint64_t vanished = 0;     // gone by the time of the freeze
};

struct CrosscheckReport {
    std::string mountpoint;
    std::string device;
    std::string backing_file;  // empty unless the device is a loop device
    std::string uuid;
    bool frozen = false;       // false with --no-freeze (syncfs)
    double freeze_ms = 0;      // how long the filesystem was frozen (FIFREEZE called to FITHAW returned)
    double freeze_ioctl_ms = 0, thaw_ioctl_ms = 0;  // of that, the two ioctls alone
    bool checkpoint = false;   // the journal was checkpointed before the freeze (EXT4_IOC_CHECKPOINT)
    double checkpoint_ms = 0;  // how long that took (new journal handles wait meanwhile)
    double total_ms = 0;       // the whole check
    std::string method;        // "revalidate" (default) or "walk-frozen"
    bool io_uring = false;     // the device was read through io_uring
    std::vector<std::string> changed_paths;  // the first few counted in counts.changed
    CrosscheckCounts counts;
    std::vector<Mismatch> mismatches;
    std::vector<std::string> warnings;  // vanished files, unreadable entries, --no-freeze
    bool equal() const { return mismatches.empty(); }
};

// Check PATHS (relative to MOUNTPOINT or absolute inside it; directories are
// walked recursively, never into other mounts), or the whole filesystem when
// PATHS is empty. Needs CAP_SYS_ADMIN. An Error is an operational failure
// (not root, not ext4, UUID differs, I/O, freeze broken); mismatches are data.
//
// The kernel's view is read before the freeze, each regular file after
// fences that make its ctime a proof (KernelViewOptions::fence_writers).
// Frozen, the inode tables are read from the device; a file whose on-disk
// ctime is not the one it was read with, or was stamped in the clock tick
// of the reading, is read again, still frozen (counts.changed), with the
// directory entries that appeared. The comparison with the disk is then the
// one a check made entirely under the freeze would make (README: why).
Result<CrosscheckReport> crosscheck(const std::string& mountpoint, const std::vector<std::string>& paths,
                                    const CrosscheckOptions& options = {});

// The human report (mismatches with hexdumps, then a summary) and the JSON
// document described in e4inline(8).
std::string crosscheck_text(const CrosscheckReport& report);
nlohmann::ordered_json crosscheck_json(const CrosscheckReport& report);

// The floor of the frozen time: every inode-table block in use on the
// device of the ext4 filesystem mounted on MOUNTPOINT, read with O_DIRECT
// one 1 MiB read after another. For bench/crosscheck.
struct CrosscheckFloor {
    std::string device;
    std::uint64_t bytes = 0;
    double ms = 0;
};
Result<CrosscheckFloor> crosscheck_floor(const std::string& mountpoint);

}  // namespace e4inline
