// Private to the library (and to the tool and the tests built from this
// tree): helpers that several files need but that are not part of the
// installed API. Like e2fsprogs' ext2fsP.h, it is never installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "e4inline/ondisk.hpp"

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
