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
    bool kernel_inline() const;
};

struct KernelViewOptions {
    bool read_content = true;      // pread regular files, readdir directories
    bool inline_only = false;      // read content only when the kernel flag says inline
    bool fiemap = true;
    std::uint64_t max_buffered = 1u << 20;  // larger files are `deferred`
    int threads = 2;               // directories are read in parallel
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

// Map PATH given on a command line (absolute under MOUNTPOINT, or a path inside
// the filesystem) to a path from the mount point ("/d/f").
std::string path_in_mount(const std::string& mountpoint, const std::string& path);

}  // namespace e4inline
