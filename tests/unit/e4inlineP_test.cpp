// The lib-private rules of lib/e4inlineP.hpp: little-endian fields that never
// read or write outside their buffer, the high half of the inode checksum,
// fast symlinks and the i_extra_isize of a new inode.
#include <gtest/gtest.h>

#include <vector>

#include "lib/e4inlineP.hpp"
#include "inode_builder.hpp"

namespace e4inline {
namespace {

TEST(Bytes, ReadsLittleEndianAtAnOffset) {
    const std::vector<std::uint8_t> b{0xff, 0x34, 0x12, 0x78, 0x56};
    EXPECT_EQ(bytes::le16(b, 1), 0x1234);
    EXPECT_EQ(bytes::le32(b, 1), 0x56781234u);
}

TEST(Bytes, AFieldPastTheEndReadsAsZero) {
    const std::vector<std::uint8_t> b{1, 2, 3};
    EXPECT_EQ(bytes::le16(b, 2), 0);
    EXPECT_EQ(bytes::le32(b, 0), 0u);
    EXPECT_EQ(bytes::le32(b, static_cast<std::size_t>(-1)), 0u);
}

TEST(Bytes, WritesLittleEndianAndNeverPastTheEnd) {
    std::vector<std::uint8_t> b(6, 0);
    bytes::put_le32(b, 1, 0x04030201u);
    bytes::put_le16(b, 5, 0xaaaa);  // would need b[6]: not written
    EXPECT_EQ(b, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 0}));
    bytes::put_le16(b, 4, 0xbbcc);
    EXPECT_EQ(b[4], 0xcc);
    EXPECT_EQ(b[5], 0xbb);
}

// A 256-byte inode with i_extra_isize 0: the old verify_check rule (inode size
// >= 0x84) read i_checksum_hi into the stored checksum; the kernel and
// e2fsprogs check only the low 16 bits, because i_extra_isize does not reach
// i_checksum_hi.
// A 256-byte inode with the given i_extra_isize, 0x1111 in i_checksum_lo and
// 0x2222 where i_checksum_hi would be.
std::vector<std::uint8_t> inode_with_checksums(std::uint16_t extra_isize) {
    auto raw = test::InodeBuilder(256, extra_isize).build();
    bytes::put_le16(raw, off_checksum_lo, 0x1111);
    bytes::put_le16(raw, off_checksum_hi, 0x2222);
    return raw;
}

TEST(InodeChecksum, LargeInodeWithExtraIsizeZeroHasOnlyTheLowHalf) {
    const auto raw = inode_with_checksums(0);
    EXPECT_FALSE(inode_has_checksum_hi(raw));
    EXPECT_EQ(stored_inode_checksum(raw), 0x1111u);
}

TEST(InodeChecksum, ExtraIsizeFourReachesTheHighHalf) {
    const auto raw = inode_with_checksums(4);
    EXPECT_TRUE(inode_has_checksum_hi(raw));
    EXPECT_EQ(stored_inode_checksum(raw), 0x22221111u);
}

TEST(InodeChecksum, ExtraIsizeTwoStopsShortOfTheHighHalf) {
    test::InodeBuilder ib(256, 2);
    EXPECT_FALSE(inode_has_checksum_hi(ib.build()));
}

TEST(InodeChecksum, A128ByteInodeHasNoHighHalf) {
    std::vector<std::uint8_t> raw(128, 0);
    EXPECT_FALSE(inode_has_checksum_hi(raw));
}

constexpr std::uint16_t lnk = 0120777;

TEST(FastSymlink, AShortTargetWithNoBlocksIsFast) {
    EXPECT_TRUE(is_fast_symlink(lnk, 0, 10, 0, 0));
}

TEST(FastSymlink, AShortTargetInADataBlockIsNotFast) {
    // A slow symlink (as old tools or encryption write them): the kernel
    // reads its target from the block, not from i_block.
    EXPECT_FALSE(is_fast_symlink(lnk, 0x80000, 10, 8, 0));
}

TEST(FastSymlink, TheXattrBlockDoesNotCountAsData) {
    EXPECT_TRUE(is_fast_symlink(lnk, 0, 10, 8, 8));
    EXPECT_FALSE(is_fast_symlink(lnk, 0, 10, 16, 8));
    EXPECT_TRUE(is_fast_symlink(lnk, 0, 10, 16, std::nullopt));  // unknown share: the size decides
}

TEST(FastSymlink, AnInlineSymlinkIsNeverFast) {
    EXPECT_FALSE(is_fast_symlink(lnk, ondisk::fl_inline_data, 10, 0, 0));
}

TEST(FastSymlink, AnEaInodeIsDecidedByItsSize) {
    EXPECT_TRUE(is_fast_symlink(lnk, fl_ea_inode, 10, 8, 0));
    EXPECT_FALSE(is_fast_symlink(lnk, fl_ea_inode, 0, 0, 0));
}

TEST(FastSymlink, ATargetThatDoesNotFitIBlockIsNeverFast) {
    EXPECT_FALSE(is_fast_symlink(lnk, 0, 60, 0, 0));
    EXPECT_TRUE(is_fast_symlink(lnk, 0, 59, 0, 0));
    EXPECT_FALSE(is_fast_symlink(0100644, 0, 10, 0, 0));  // not a symlink
}

TEST(FastSymlink, TargetsUnder60BytesAreWrittenFast) {
    EXPECT_TRUE(is_fast_symlink_target(59));
    EXPECT_FALSE(is_fast_symlink_target(60));
}

TEST(NewInodeExtraIsize, Is32OnAMke2fsImage) {
    EXPECT_EQ(new_inode_extra_isize(256, true, 32, 32), 32);
    EXPECT_EQ(new_inode_extra_isize(256, false, 0, 0), 32);
}

TEST(NewInodeExtraIsize, HonoursALargerWantExtraIsize) {
    EXPECT_EQ(new_inode_extra_isize(256, true, 64, 32), 64);
    EXPECT_EQ(new_inode_extra_isize(256, true, 32, 48), 48);
}

TEST(NewInodeExtraIsize, IgnoresTheSuperblockWithoutTheFeature) {
    EXPECT_EQ(new_inode_extra_isize(256, false, 64, 64), 32);
}

TEST(NewInodeExtraIsize, FallsBackTo32WhenTheWishDoesNotFit) {
    EXPECT_EQ(new_inode_extra_isize(256, true, 200, 0), 32);
    EXPECT_EQ(new_inode_extra_isize(256, true, 62, 0), 32);  // not 4-aligned
}

TEST(NewInodeExtraIsize, IsZeroFor128ByteInodes) {
    EXPECT_EQ(new_inode_extra_isize(128, true, 32, 32), 0);
}

}  // namespace
}  // namespace e4inline
