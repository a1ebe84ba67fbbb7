// Filesystem: an owning handle on an opened ext4 image or block device.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "e4inline/error.hpp"
#include "e4inline/layout.hpp"

// libext2fs' filesystem handle (ext2_filsys is a pointer to it), declared
// here so that this header needs no <ext2fs/ext2fs.h>.
struct struct_ext2_filsys;

namespace e4inline {

struct OpenOptions {
    bool writable = false;
    // When set (writable only), the blocks a write overwrites are saved to this
    // file before the image is touched; `e2undo FILE IMAGE` restores it.
    // check_undo_path (undo_file.hpp) says which files are refused.
    std::string undo_file;
    // Read through O_DIRECT (the device as it is on disk, not the page cache).
    bool direct_io = false;
    // 0: the filesystem is the whole image (or starts at its ?offset=N);
    // N >= 1: it is in the image's partition N, found in its partition table
    // by libblkid (GPT, MBR with logical partitions from 5, ...). Refused
    // together with ?offset=, and when the filesystem is larger than the
    // partition.
    unsigned partition = 0;

    // How every write command opens: read-only for --dry-run (so a dry run
    // cannot change anything), else read-write with the undo file if given.
    static OpenOptions for_write(bool dry_run, std::string undo_file) {
        return dry_run ? OpenOptions{} : OpenOptions{.writable = true, .undo_file = std::move(undo_file)};
    }
};

// An inode's number and the name it was asked for by ("<12>" or a path).
struct InodeRef {
    std::uint32_t ino = 0;
    std::string spec;
};

class E4I_EXPORT Filesystem {
public:
    // Opens IMAGE. Read-write refuses a mounted filesystem, including an image
    // file that is loop-mounted, opens block devices exclusively (O_EXCL) and
    // takes an exclusive flock(2) on the image (and the loop devices behind
    // an image file, or the file behind a loop device), held until the
    // Filesystem is closed or destroyed: a second writer is refused, not made
    // to wait.
    // Every write is staged in memory (staged_io.hpp) and reaches the image
    // only through close(); destroying a writable Filesystem without close()
    // leaves the image as it was.
    static Result<Filesystem> open(const std::string& image, const OpenOptions& options = {});

    Filesystem(Filesystem&&) noexcept;
    Filesystem& operator=(Filesystem&&) noexcept;
    Filesystem(const Filesystem&) = delete;
    Filesystem& operator=(const Filesystem&) = delete;
    ~Filesystem();

    // The libext2fs handle (ext2_filsys), for the code that calls libext2fs.
    struct_ext2_filsys* raw() const { return fs_; }
    const std::string& image() const { return image_; }
    bool writable() const { return writable_; }

    bool has_inline_data() const;
    bool has_metadata_csum() const;
    unsigned inode_size() const;
    unsigned block_size() const;

    // Resolve "<INO>" or an absolute path (a relative one is taken from /).
    Result<InodeRef> resolve(std::string_view spec) const;

    // The raw on-disk inode, inode_size() bytes, without checksum verification.
    Result<std::vector<std::uint8_t>> read_raw_inode(std::uint32_t ino) const;
    // Whether the inode's checksum is right (true when metadata_csum is off).
    bool inode_checksum_ok(std::uint32_t ino, const std::vector<std::uint8_t>& raw) const;

    Result<InlineLayout> layout(const InodeRef& ref) const;

    // The exact content of a regular file or symlink: i_size bytes, never
    // padded. Inline data is read through our parser; other files through
    // libext2fs' file I/O.
    Result<std::vector<std::uint8_t>> read_content(const InodeRef& ref) const;
    // The same, for a caller that has already parsed the inode.
    Result<std::vector<std::uint8_t>> read_content(const InodeRef& ref, const InlineLayout& layout) const;

    // Flush and close. For a writer this is the commit: the staged writes
    // (and the undo file) are written here, or, on an error, none of them.
    Result<void> close();

    // An Error naming this image.
    Error error(long code, std::string op, std::string object = {}) const;
    Error error(ExitCode exit, std::string reason, std::string object = {}) const;

private:
    Filesystem(struct_ext2_filsys* fs, std::string image, bool writable) : fs_(fs), image_(std::move(image)), writable_(writable) {}
    void release();
    struct_ext2_filsys* fs_ = nullptr;
    std::string image_;
    bool writable_ = false;
    std::vector<int> lock_fds_;  // a writer's locks (see open)
};

// An image as the user names it, e2fsprogs-style: PATH or PATH?OPTIONS, the
// options unix_io's (KEY=VALUE joined by '&'), of which offset=N says where
// in the file or device the filesystem starts (in bytes; 0x... and 0...
// read as by strtoull). A bad offset is a usage error.
struct ImageSpec {
    std::string path;
    std::string io_options;  // what follows the '?', for ext2fs_open2
    std::uint64_t offset = 0;
};
E4I_EXPORT Result<ImageSpec> parse_image_spec(const std::string& image);

// Whether IMAGE (an image file or a device, with its ?offset=) is mounted,
// directly or through a loop device whose window overlaps the filesystem at
// that offset. Returns the mount point when it is.
E4I_EXPORT Result<std::string> mounted_at(const std::string& image);

}  // namespace e4inline
