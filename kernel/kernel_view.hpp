// KernelView: what the running kernel shows of a mounted filesystem, through
// the page cache and ioctls, for each regular file, directory and symlink of a
// tree that stays on one mount. The raw material of crosscheck and snapshot.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "e4inline/error.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

struct KernelExtent {
    std::uint64_t logical = 0, physical = 0, length = 0;
    std::uint32_t flags = 0;  // FIEMAP_EXTENT_*
};

struct KernelDirEntry {
    std::string name;
    std::uint64_t ino = 0;
};

struct KernelFile {
    std::string path;          // from the mount point: "/", "/d/f"
    std::uint64_t ino = 0;
    FileType type = FileType::unknown;
    std::uint64_t size = 0;    // st_size
    bool has_flags = false;    // FS_IOC_GETFLAGS (not for symlinks: they cannot be opened)
    std::uint32_t flags = 0;
    bool has_fiemap = false;   // FIEMAP, asked only when the kernel flag says inline
    std::vector<KernelExtent> extents;
    // Regular files: the st_size bytes read with pread, unless `deferred`
    // (large files are compared in chunks later). Symlinks: readlink.
    std::vector<std::uint8_t> bytes;
    bool deferred = false;
    // Directories: readdir without "." and "..", and the inode of "..".
    std::vector<KernelDirEntry> entries;
    std::uint64_t dotdot = 0;
    // st_ctim from the fstat made before the rest was read, and the coarse
    // clock (CLOCK_REALTIME_COARSE, what the kernel stamps inodes with) read
    // just before that fstat: see KernelViewOptions::fence_writers.
    std::int64_t ctime_sec = 0;
    std::uint32_t ctime_nsec = 0;
    std::int64_t seen_sec = 0;
    std::uint32_t seen_nsec = 0;
    bool kernel_inline() const;
    // Whether any change made after this file was read must give it a ctime
    // other than ctime_sec/ctime_nsec at GRANULARITY_NS (1 with nanosecond
    // inode timestamps, 1e9 without): it was last changed before the clock
    // tick in which it was read.
    bool ctime_settled(std::uint32_t granularity_ns = 1) const;
};

struct KernelViewOptions {
    bool read_content = true;      // pread regular files, readdir directories
    bool inline_only = false;      // read content only when the kernel flag says inline
    bool fiemap = true;
    std::uint64_t max_buffered = 1u << 20;  // larger files are `deferred`
    int threads = 2;               // directories are read in parallel
    // Before the fstat of a regular file, wait for any write(2) in progress on it
    // (lseek SEEK_DATA takes the inode lock that writers hold) and write back
    // its dirty pages (sync_file_range), which write-protects them in every
    // shared mapping: a later change then goes through the kernel and
    // stamps a new ctime. For crosscheck, which reads before it freezes.
    bool fence_writers = false;
};

struct KernelView {
    std::vector<KernelFile> files;
    std::uint64_t skipped = 0;           // special files, other mounts
    std::vector<std::string> warnings;   // entries that vanished or could not be read
};

// Walk PATHS (relative to MOUNT_FD's directory; "/" or empty list: all of it),
// directories recursively, staying on the device DEV.
Result<KernelView> read_kernel_view(int mount_fd, dev_t dev, const std::string& mountpoint,
                                    const std::vector<std::string>& paths, const KernelViewOptions& options);

// What reread_kernel_files found.
struct Reread {
    std::uint64_t changed = 0;   // read again (they may or may not differ from the first reading)
    std::uint64_t added = 0;     // entries of re-read directories that were not in the view
    std::uint64_t vanished = 0;  // no longer there: removed from the view
};

// Read again, by path, the files of VIEW at the indices WHICH (a directory:
// its listing too, and every entry not yet in the view). Used by crosscheck
// under the freeze for what may have changed since the view was read.
Result<Reread> reread_kernel_files(int mount_fd, dev_t dev, KernelView& view, const std::vector<std::size_t>& which,
                                   const KernelViewOptions& options);

// Map PATH given on a command line (absolute under MOUNTPOINT, or a path inside
// the filesystem) to a path from the mount point ("/d/f").
std::string path_in_mount(const std::string& mountpoint, const std::string& path);

}  // namespace e4inline
