// Private to the library (and to the tool and the tests built from this
// tree): helpers that several files need but that are not part of the
// installed API. Like e2fsprogs' ext2fsP.h, it is never installed.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "e4inline/error.hpp"
#include "lib/inline_dir.hpp"
#include "lib/ondisk.hpp"

namespace e4inline::bytes {

// Little-endian fields of on-disk structures (ext4 is little-endian on every
// host, as the kernel's le16_to_cpu/le32_to_cpu say). Every access is
// bounds-checked: a field that does not lie wholly inside B reads as zero and
// is not written, so a short or truncated buffer can never be overrun.
constexpr std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t off) {
    if (off > b.size() || b.size() - off < 2)
        return 0;
    return static_cast<std::uint16_t>(b[off] | (b[off + 1] << 8));
}

constexpr std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t off) {
    if (off > b.size() || b.size() - off < 4)
        return 0;
    return static_cast<std::uint32_t>(b[off]) | (static_cast<std::uint32_t>(b[off + 1]) << 8) |
           (static_cast<std::uint32_t>(b[off + 2]) << 16) | (static_cast<std::uint32_t>(b[off + 3]) << 24);
}

constexpr void put_le16(std::span<std::uint8_t> b, std::size_t off, std::uint16_t v) {
    if (off > b.size() || b.size() - off < 2)
        return;
    b[off] = static_cast<std::uint8_t>(v);
    b[off + 1] = static_cast<std::uint8_t>(v >> 8);
}

constexpr void put_le32(std::span<std::uint8_t> b, std::size_t off, std::uint32_t v) {
    if (off > b.size() || b.size() - off < 4)
        return;
    for (std::size_t i = 0; i < 4; ++i)
        b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace e4inline::bytes

namespace e4inline {

// The inode checksum fields under metadata_csum (struct ext4_inode).
inline constexpr std::size_t off_checksum_lo = 0x7c;  // l_i_checksum_lo
inline constexpr std::size_t off_checksum_hi = 0x82;  // i_checksum_hi, in the extra part
// EXT4_INODE_CSUM_HI_EXTRA_END: the i_extra_isize that reaches past i_checksum_hi.
inline constexpr std::size_t checksum_hi_extra_end = off_checksum_hi + 2 - ondisk::good_old_inode_size;

// Whether the raw inode RAW (the whole on-disk inode, s_inode_size bytes)
// carries the high 16 bits of its checksum. The rule of the kernel's
// ext4_inode_csum_verify (EXT4_FITS_IN_INODE) and e2fsprogs'
// ext2fs_inode_csum_verify: the inode is larger than 128 bytes and its own
// i_extra_isize covers i_checksum_hi. The inode size alone is not enough: a
// 256-byte inode with i_extra_isize 0 has a 16-bit checksum.
constexpr bool inode_has_checksum_hi(std::span<const std::uint8_t> raw) {
    return raw.size() > ondisk::good_old_inode_size && raw.size() >= off_checksum_hi + 2 &&
           bytes::le16(raw, ondisk::off_extra_isize) >= checksum_hi_extra_end;
}

// The checksum stored in RAW: 32 bits where the inode has the high half, else 16.
constexpr std::uint32_t stored_inode_checksum(std::span<const std::uint8_t> raw) {
    std::uint32_t stored = bytes::le16(raw, off_checksum_lo);
    if (inode_has_checksum_hi(raw))
        stored |= static_cast<std::uint32_t>(bytes::le16(raw, off_checksum_hi)) << 16;
    return stored;
}

}  // namespace e4inline

namespace e4inline {

// EXT4_EA_INODE_FL: the inode holds the value of a large xattr.
inline constexpr std::uint32_t fl_ea_inode = 0x00200000;

// Whether a symlink target of LEN bytes is written as a fast symlink, in
// i_block: ext2fs_symlink's rule (and the kernel's ext4_symlink), a target
// shorter than i_block. Longer targets go inline or to a block.
constexpr bool is_fast_symlink_target(std::uint64_t len) {
    return len < ondisk::i_block_size;
}

// Whether an inode is a fast symlink, its target in i_block. The kernel's
// ext4_inode_is_fast_symlink: an EA inode by its size (as e2fsprogs'
// ext2fs_is_fast_symlink decides for every inode); an inline-data inode
// never; any other symlink when it owns no blocks but its xattr block's.
// XATTR_BLOCK_SECTORS is the i_blocks an external xattr block accounts for
// (0 without one; nullopt when unknown, where the size alone decides, as in
// e2fsprogs). The target must fit i_block either way: ext4_iget refuses a
// "fast" symlink whose i_size does not, so no caller may read past i_block.
constexpr bool is_fast_symlink(std::uint16_t mode, std::uint32_t flags, std::uint64_t size, std::uint64_t i_blocks,
                               std::optional<std::uint64_t> xattr_block_sectors) {
    if ((mode & 0xF000) != 0xA000 || !is_fast_symlink_target(size))
        return false;
    if (flags & fl_ea_inode)
        return size != 0;
    if (flags & ondisk::fl_inline_data)
        return false;
    return !xattr_block_sectors || i_blocks == *xattr_block_sectors;
}

// Whether the extent tree of the raw inode RAW is held whole in i_block
// (EXT4_EXTENTS_FL, the header's magic, depth 0): its leaves are the
// inode's only mapping, no index block is read to find its blocks.
constexpr bool extent_tree_in_inode(std::span<const std::uint8_t> raw) {
    if (raw.size() < ondisk::off_block + ondisk::i_block_size)
        return false;
    return (bytes::le32(raw, ondisk::off_flags) & ondisk::fl_extents) &&
           bytes::le16(raw, ondisk::off_block) == ondisk::extent_magic &&
           bytes::le16(raw, ondisk::off_block + ondisk::off_extent_depth) == 0;
}

// The i_extra_isize of a new inode: the kernel's rule (ext4_clamp_want_extra_isize,
// used by __ext4_new_inode), 32 (the fields of struct ext4_inode past 128) or
// more where the superblock asks for more with the extra_isize feature
// (s_want_extra_isize, s_min_extra_isize); 32 again when that does not fit
// the inode (or is not 4-aligned, which ext4_iget would refuse), and 0 for
// 128-byte inodes. mke2fs writes 32 in both fields, so
// on its images this is ext2fs_write_new_inode's 32.
constexpr std::uint16_t new_inode_extra_isize(unsigned inode_size, bool feature_extra_isize,
                                              std::uint16_t want_extra_isize, std::uint16_t min_extra_isize) {
    constexpr std::uint16_t base = 32;  // sizeof(struct ext4_inode) - EXT4_GOOD_OLD_INODE_SIZE
    if (inode_size <= ondisk::good_old_inode_size)
        return 0;
    std::uint16_t want = base;
    if (feature_extra_isize) {
        want = want_extra_isize > want ? want_extra_isize : want;
        want = min_extra_isize > want ? min_extra_isize : want;
    }
    if (ondisk::good_old_inode_size + want > inode_size || want % 4 != 0)
        want = base;
    return ondisk::good_old_inode_size + want > inode_size ? 0 : want;
}

}  // namespace e4inline

namespace e4inline {

// An owned file descriptor, closed when it goes out of scope (no close() on
// every return path). close() is there for the callers that must know
// whether the last close failed (a write's error can surface only there).
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }
    // Close now; the result of close(2) (0 when there was nothing to close).
    int close() noexcept {
        const int fd = release();
        return fd >= 0 ? ::close(fd) : 0;
    }

private:
    int fd_ = -1;
};

// An owned directory stream.
struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};
using UniqueDir = std::unique_ptr<DIR, DirCloser>;

}  // namespace e4inline

namespace e4inline {

struct MountInfo;  // e4inline/mountinfo.hpp

// Every line of /proc/self/mountinfo, in the kernel's order (a later mount
// covers an earlier one at the same place), with the escaped fields (\040
// for a space) decoded. The one parser of the mount table (lib/mountinfo.cpp).
Result<std::vector<MountInfo>> mount_table();

}  // namespace e4inline

namespace e4inline {

class Filesystem;  // e4inline/filesystem.hpp

// A directory as libext2fs reads it (inline or in blocks). The choice made
// once for every reader: "." and ".." are never entries; the inode of the
// first ".." is the parent; unused entries (inode 0) are skipped.
struct DirListing {
    ext2_ino_t parent = 0;
    std::vector<DirEntrySpec> entries;  // name, inode, EXT2_FT_* type
};

// ext2fs_dir_iterate2 over DIR; the error of libext2fs, OUT as far as it got.
errcode_t list_dir(ext2_filsys fs, ext2_ino_t dir, DirListing& out);

// The same with the error as a value: "reading directory PATH". A template
// over the Filesystem so that the sources built without filesystem.cpp
// (fuzz/verify-fuzz) need nothing more than list_dir.cpp.
template <class Fs = Filesystem>
Result<DirListing> list_dir(const Fs& fs, ext2_ino_t dir, const std::string& path) {
    DirListing out;
    if (errcode_t err = list_dir(fs.raw(), dir, out))
        return unexpected(fs.error(err, "reading directory", path));
    return out;
}

}  // namespace e4inline
