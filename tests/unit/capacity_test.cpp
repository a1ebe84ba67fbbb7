// Capacity by the kernel's rule (ext4_get_max_inline_size), checked against the
// figures measured on real filesystems in the reference.
#include <gtest/gtest.h>

#include "e4inline/layout.hpp"
#include "lib/capacity.hpp"
#include "inode_builder.hpp"

using e4inline::parse_inline_layout;
using e4inline::test::InodeBuilder;
using e4inline::test::inline_fl;

namespace {

std::size_t capacity_of(std::size_t inode_size, std::uint16_t extra, bool with_system_data) {
    InodeBuilder b(inode_size, extra);
    if (with_system_data)
        b.flags(inline_fl).system_data();
    return parse_inline_layout(b.build()).capacity;
}

}  // namespace

TEST(Capacity, Is128For256ByteInodesWithExtraIsize32) {
    EXPECT_EQ(capacity_of(256, 32, true), 128u);
    EXPECT_EQ(capacity_of(256, 32, false), 128u);
}

TEST(Capacity, Is132For256ByteInodesWithExtraIsize28) {
    EXPECT_EQ(capacity_of(256, 28, true), 132u);
    EXPECT_EQ(capacity_of(256, 28, false), 132u);
}

TEST(Capacity, Is384For512ByteInodesWithExtraIsize32) {
    EXPECT_EQ(capacity_of(512, 32, true), 384u);
}

TEST(Capacity, Is388For512ByteInodesWithExtraIsize28) {
    EXPECT_EQ(capacity_of(512, 28, true), 388u);
}

TEST(Capacity, Is896For1024ByteInodesWithExtraIsize32) {
    EXPECT_EQ(capacity_of(1024, 32, true), 896u);
}

TEST(Capacity, Is900For1024ByteInodesWithExtraIsize28) {
    EXPECT_EQ(capacity_of(1024, 28, true), 900u);
}

TEST(Capacity, IsZeroWhenExtraIsizeIsZero) {
    EXPECT_EQ(capacity_of(256, 0, false), 0u);
}

TEST(Capacity, DoesNotChangeWhenSystemDataHoldsAValue) {
    std::vector<std::uint8_t> value(68, 'v');
    const auto raw = InodeBuilder(256, 32).flags(inline_fl).system_data(value).size(128).build();
    const auto l = parse_inline_layout(raw);
    EXPECT_EQ(l.capacity, 128u);
    EXPECT_EQ(l.inline_size, 128u);
    EXPECT_EQ(l.xattr_free, 0u);
}

TEST(Capacity, OtherInInodeXattrsReduceIt) {
    // user.x with 8 bytes: a 20-byte entry and an 8-byte value leave 40 for data.
    const auto raw = InodeBuilder(256, 32)
                         .flags(inline_fl)
                         .xattr({1, "x", std::vector<std::uint8_t>(8, 'x'), std::nullopt, 0})
                         .system_data()
                         .build();
    EXPECT_EQ(parse_inline_layout(raw).capacity, 100u);
    const auto without_data = InodeBuilder(256, 32).xattr({1, "x", std::vector<std::uint8_t>(8, 'x'), std::nullopt, 0}).build();
    EXPECT_EQ(parse_inline_layout(without_data).capacity, 100u);
}

TEST(Capacity, FreeXattrSpaceCountsFromTheEndWordToTheLowestValue) {
    const auto raw = InodeBuilder(256, 32).flags(inline_fl).system_data().build();
    // 92 bytes after the header, a 20-byte entry and a 4-byte end word.
    EXPECT_EQ(parse_inline_layout(raw).xattr_free, 68u);
}

// A new inode's capacity (create's fresh_inode_capacity) is the same rule as
// a parsed inode's with no xattrs: lib/capacity.cpp computes both.
TEST(Capacity, OfANewInodeIsThatOfAnEmptyParsedInode) {
    for (std::size_t inode_size : {256u, 512u, 1024u})
        for (std::uint16_t extra : {std::uint16_t{28}, std::uint16_t{32}, std::uint16_t{64}})
            EXPECT_EQ(e4inline::new_inode_max_inline_size(inode_size, extra), capacity_of(inode_size, extra, false))
                << inode_size << "-byte inode, i_extra_isize " << extra;
    EXPECT_EQ(e4inline::new_inode_max_inline_size(256, 32), 128u);
}

TEST(Capacity, OfANewInodeIsZeroWithoutAnXattrArea) {
    EXPECT_EQ(e4inline::new_inode_max_inline_size(128, 0), 0u);
    EXPECT_EQ(e4inline::new_inode_max_inline_size(256, 0), 0u);
}
