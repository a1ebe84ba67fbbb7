// Raw inodes read in bulk straight from the inode tables, a run of blocks per
// group rather than a block per inode: crosscheck reads tens of thousands of
// inodes while the filesystem is frozen.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <ext2fs/ext2fs.h>

#include "e4inline/error.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline {

struct DiskInode {
    std::vector<std::uint8_t> raw;  // inode_size() bytes
    std::uint64_t byte_offset = 0;  // where the inode starts on the device
};

// The byte address of inode INO on the device (the kernel's FIEMAP reports
// an inline extent at this + offsetof(struct ext4_inode, i_block) = +40).
std::uint64_t inode_byte_offset(const Filesystem& fs, ext2_ino_t ino);

// Read every inode of INOS (any order, duplicates allowed) through FS's I/O
// channel: with OpenOptions::direct_io, the disk as it is, not the kernel's cache.
Result<std::unordered_map<ext2_ino_t, DiskInode>> read_disk_inodes(const Filesystem& fs, std::vector<ext2_ino_t> inos);

// One read of the device: LENGTH bytes at OFFSET into BUFFER, all three
// aligned to the device's logical block size (the filesystem block size is).
struct DirectRead {
    std::uint64_t offset = 0;
    std::size_t length = 0;
    std::uint8_t* buffer = nullptr;
};

// The device opened with O_DIRECT, read in batches: several large reads in
// flight at once through io_uring when liburing was built in and the kernel
// allows it (kernel.io_uring_disabled), one pread after another otherwise.
class DirectReader {
public:
    static Result<DirectReader> open(const std::string& device, bool use_io_uring = true);
    DirectReader(DirectReader&&) noexcept;
    DirectReader& operator=(DirectReader&&) = delete;
    ~DirectReader();
    Result<void> read(std::span<const DirectRead> reads) const;
    bool uses_io_uring() const { return ring_ != nullptr; }
    const std::string& device() const { return device_; }

private:
    DirectReader() = default;
    struct Ring;
    int fd_ = -1;
    std::string device_;
    std::unique_ptr<Ring> ring_;
};

// Inode-table blocks read through a DirectReader into one buffer, the
// inodes looked up in place: nothing is copied or allocated per inode
// while the filesystem is frozen.
class InodeTableImage {
public:
    // The raw inode INO, empty when it was not read.
    std::span<const std::uint8_t> inode(ext2_ino_t ino) const;
    std::uint64_t byte_offset(ext2_ino_t ino) const;  // on the device
    std::uint64_t bytes() const { return size_; }

private:
    friend Result<InodeTableImage> plan_inode_tables(const Filesystem& fs, std::vector<ext2_ino_t> inos);
    friend Result<void> read_inode_tables(const DirectReader& reader, InodeTableImage& image,
                                          std::span<const DirectRead> also);
    const Filesystem* fs_ = nullptr;
    std::shared_ptr<std::uint8_t> buf_;
    std::size_t size_ = 0;
    std::vector<DirectRead> reads_;  // what read_inode_tables() reads
    // Per group, per block of its inode table: the offset in buf_, or -1.
    std::vector<std::vector<std::int64_t>> block_at_;
};

// The runs of inode-table blocks holding INOS, all submitted at once. In
// two steps for a caller that reads under a freeze: plan_inode_tables()
// works out the reads and allocates the buffer, touching every page of it
// (so that no page fault is left for the read), read_inode_tables(READER,
// IMAGE) then only reads; the image is looked up once read.
Result<InodeTableImage> plan_inode_tables(const Filesystem& fs, std::vector<ext2_ino_t> inos);
// ALSO: more reads submitted in the same batch (planned directory blocks).
Result<void> read_inode_tables(const DirectReader& reader, InodeTableImage& image,
                               std::span<const DirectRead> also = {});
Result<InodeTableImage> read_inode_tables(const Filesystem& fs, const DirectReader& reader,
                                          std::vector<ext2_ino_t> inos);

// The blocks of directories that are not inline, each in logical order
// (holes left out), all read through READER in one batch: DIRS gives each
// inode as read from the table. A directory not mapped by a tree of extents
// is left out (the caller then reads it through libext2fs).
struct RawDirectory {
    ext2_ino_t ino = 0;
    std::span<const std::uint8_t> raw;
};
Result<std::unordered_map<ext2_ino_t, std::vector<std::uint8_t>>>
read_directory_blocks(const Filesystem& fs, const DirectReader& reader, std::span<const RawDirectory> dirs);
// The same in two steps: the reads planned (from inodes read before a
// freeze), submitted by the caller (with the inode tables), then taken.
struct DirectoryBlocks {
    std::shared_ptr<std::uint8_t> buf;
    std::vector<DirectRead> reads;
    std::vector<ext2_ino_t> inos;  // the directories mapped, in order
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // per directory: first block in buf, blocks
    std::uint64_t block_size = 0;
    std::unordered_map<ext2_ino_t, std::vector<std::uint8_t>> take() const;
};
Result<DirectoryBlocks> plan_directory_blocks(const Filesystem& fs, std::span<const RawDirectory> dirs);

// The floor crosscheck's frozen time is measured against: every inode-table
// block in use (up to the last inode initialised in each group, by
// bg_itable_unused) read with O_DIRECT, 1 MiB at a time, one read after another.
struct InodeTableFloor {
    std::uint64_t bytes = 0;
    double ms = 0;
};
Result<InodeTableFloor> time_inode_table_read(const Filesystem& fs, const std::string& device);

}  // namespace e4inline
