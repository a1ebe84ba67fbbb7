// The parser on synthetic inodes: well-formed layouts as the kernel and
// e2fsprogs write them, and each way the in-inode xattr area can be broken.
#include <gtest/gtest.h>

#include <random>

#include "e4inline/layout.hpp"
#include "inode_builder.hpp"

using e4inline::LayoutProblem;
using e4inline::parse_inline_layout;
using e4inline::Storage;
using e4inline::test::extents_fl;
using e4inline::test::InodeBuilder;
using e4inline::test::inline_fl;

namespace {

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t start = 'a') {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint8_t>(start + i % 26);
    return v;
}

void put_dirent(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t ino, std::uint16_t rec_len,
                const std::string& name, std::uint8_t type = 1) {
    for (int i = 0; i < 4; ++i) b[off + i] = (ino >> (8 * i)) & 0xff;
    b[off + 4] = rec_len & 0xff;
    b[off + 5] = rec_len >> 8;
    b[off + 6] = static_cast<std::uint8_t>(name.size());
    b[off + 7] = type;
    for (std::size_t i = 0; i < name.size(); ++i) b[off + 8 + i] = static_cast<std::uint8_t>(name[i]);
}

}  // namespace

TEST(Layout, EmptySystemDataWithValueOffsZeroAsTheKernelWritesIt) {
    const auto l = parse_inline_layout(InodeBuilder().flags(inline_fl).system_data().size(10).build());
    ASSERT_TRUE(l.system_data.has_value());
    EXPECT_EQ(l.xattrs[*l.system_data].value_offs, 0u);
    EXPECT_EQ(l.inline_size, 60u);
    EXPECT_TRUE(l.issues.empty());
    EXPECT_EQ(l.storage, Storage::inline_data);
}

TEST(Layout, EmptySystemDataWithTheEndOffsetAsE2fsprogsWritesIt) {
    const auto l = parse_inline_layout(
        InodeBuilder().flags(inline_fl).empty_value_offs_at_end(true).system_data().size(10).build());
    ASSERT_TRUE(l.system_data.has_value());
    EXPECT_EQ(l.xattrs[*l.system_data].value_offs, 92u);
    EXPECT_EQ(l.inline_size, 60u);
    EXPECT_TRUE(l.issues.empty());
    EXPECT_EQ(l.capacity, 128u);
}

TEST(Layout, InlineBytesAreIBlockFollowedBySystemDataValue) {
    const auto head = bytes(60, 'A');
    const auto tail = bytes(40, 'a');
    const auto l = parse_inline_layout(InodeBuilder().flags(inline_fl).i_block(head).system_data(tail).size(100).build());
    auto expected = head;
    expected.insert(expected.end(), tail.begin(), tail.end());
    EXPECT_EQ(l.inline_bytes(), expected);
    EXPECT_EQ(l.inline_size, 100u);
    EXPECT_EQ(l.xattrs[*l.system_data].value_offset, 256u - 40u);
}

TEST(Layout, ReadsModeFlagsSizeAndExtraIsize) {
    const auto l = parse_inline_layout(InodeBuilder(512, 28).mode(0100600).flags(inline_fl).size(5).system_data().build());
    EXPECT_EQ(l.mode, 0100600);
    EXPECT_EQ(l.type, e4inline::FileType::regular);
    EXPECT_EQ(l.size, 5u);
    EXPECT_EQ(l.extra_isize, 28);
    EXPECT_EQ(l.inode_size, 512u);
    EXPECT_EQ(l.xattr_area_offset, 156u);
}

TEST(Layout, WrongMagicIsReportedAndNoEntriesAreRead) {
    const auto l = parse_inline_layout(InodeBuilder().flags(inline_fl).magic(0xEA020001).system_data().build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_bad_magic));
    EXPECT_TRUE(l.xattrs.empty());
    EXPECT_FALSE(l.system_data.has_value());
}

TEST(Layout, ZeroMagicIsNotAProblem) {
    const auto l = parse_inline_layout(InodeBuilder().build());
    EXPECT_TRUE(l.issues.empty());
    EXPECT_FALSE(l.xattr_magic_ok);
}

TEST(Layout, EntryWhoseNameRunsPastTheInodeIsOutOfBounds) {
    // 256 - 164 = 92 bytes for entries; a 90-byte name needs 108.
    const auto l = parse_inline_layout(InodeBuilder().xattr({1, std::string(90, 'n'), {}, std::nullopt, 0}).build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_entry_out_of_bounds));
    EXPECT_TRUE(l.xattrs.empty());
}

TEST(Layout, EntryTableWithoutEndWordIsUnterminated) {
    const auto l = parse_inline_layout(InodeBuilder().system_data().no_terminator().build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_unterminated) || l.has(LayoutProblem::xattr_entry_out_of_bounds));
    EXPECT_FALSE(l.issues.empty());
}

TEST(Layout, OverlappingValuesAreReported) {
    const auto l = parse_inline_layout(InodeBuilder()
                                           .flags(inline_fl)
                                           .xattr({1, "a", bytes(16), std::uint16_t{60}, 0})
                                           .xattr({1, "b", bytes(16), std::uint16_t{68}, 0})
                                           .system_data()
                                           .build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_overlap));
}

TEST(Layout, ValuePastTheInodeEndIsOutOfBounds) {
    const auto l = parse_inline_layout(
        InodeBuilder().flags(inline_fl).xattr({7, "data", bytes(16), std::uint16_t{88}, 0}).build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_value_out_of_bounds));
    ASSERT_TRUE(l.system_data.has_value());
    EXPECT_TRUE(l.system_data_value.empty());
}

TEST(Layout, ValueInsideTheEntryTableIsOutOfBounds) {
    const auto l = parse_inline_layout(
        InodeBuilder().flags(inline_fl).xattr({7, "data", bytes(8), std::uint16_t{0}, 0}).build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_value_out_of_bounds));
}

TEST(Layout, SystemDataWithValueInumIsReported) {
    const auto l = parse_inline_layout(InodeBuilder().flags(inline_fl).xattr({7, "data", {}, std::nullopt, 42}).build());
    EXPECT_TRUE(l.has(LayoutProblem::xattr_value_inum));
}

TEST(Layout, DuplicateSystemDataIsReported) {
    const auto l = parse_inline_layout(InodeBuilder().flags(inline_fl).system_data().system_data().build());
    EXPECT_TRUE(l.has(LayoutProblem::system_data_duplicate));
}

TEST(Layout, ExtraIsizePastTheInodeIsInvalid) {
    const auto l = parse_inline_layout(InodeBuilder(256, 200).build());
    EXPECT_TRUE(l.has(LayoutProblem::extra_isize_invalid));
    EXPECT_EQ(l.capacity, 0u);
}

TEST(Layout, UnalignedExtraIsizeIsInvalid) {
    EXPECT_TRUE(parse_inline_layout(InodeBuilder(256, 30).build()).has(LayoutProblem::extra_isize_invalid));
}

TEST(Layout, ShortBufferIsTruncated) {
    std::vector<std::uint8_t> raw(100, 0);
    EXPECT_TRUE(parse_inline_layout(raw).has(LayoutProblem::inode_truncated));
}

TEST(Layout, InlineDirectoryHasParentAndBothChains) {
    std::vector<std::uint8_t> iblock(60, 0);
    iblock[0] = 2;                       // parent inode 2
    put_dirent(iblock, 4, 12, 12, "a");  // [4, 16)
    put_dirent(iblock, 16, 0, 44, "");   // [16, 60)
    std::vector<std::uint8_t> tail(16, 0);
    put_dirent(tail, 0, 13, 16, "bcd");
    const auto l = parse_inline_layout(
        InodeBuilder().mode(040755).flags(inline_fl).i_block(iblock).system_data(tail).size(76).build());
    ASSERT_TRUE(l.dir_parent.has_value());
    EXPECT_EQ(*l.dir_parent, 2u);
    ASSERT_EQ(l.dir_entries.size(), 3u);
    EXPECT_EQ(l.dir_entries[0].name, "a");
    EXPECT_EQ(l.dir_entries[0].inode, 12u);
    EXPECT_EQ(l.dir_entries[2].name, "bcd");
    EXPECT_EQ(l.dir_entries[2].offset, 60u);
    EXPECT_EQ(l.dir_entries[2].region, 1);
    EXPECT_TRUE(l.issues.empty());
}

TEST(Layout, DirectoryRecLenPastTheRegionBreaksTheChain) {
    std::vector<std::uint8_t> iblock(60, 0);
    iblock[0] = 2;
    put_dirent(iblock, 4, 12, 60, "a");
    const auto l = parse_inline_layout(InodeBuilder().mode(040755).flags(inline_fl).i_block(iblock).system_data().size(60).build());
    EXPECT_TRUE(l.has(LayoutProblem::dir_chain_broken));
}

TEST(Layout, DirectoryChainEndingEarlyIsShort) {
    std::vector<std::uint8_t> iblock(60, 0);
    iblock[0] = 2;
    put_dirent(iblock, 4, 12, 12, "a");
    put_dirent(iblock, 16, 0, 40, "");  // ends at 56, region ends at 60... then 4 bytes left
    const auto l = parse_inline_layout(InodeBuilder().mode(040755).flags(inline_fl).i_block(iblock).system_data().size(60).build());
    EXPECT_TRUE(l.has(LayoutProblem::dir_chain_broken) || l.has(LayoutProblem::dir_chain_short));
}

TEST(Layout, DirectoryNameLenPastRecLenIsReported) {
    std::vector<std::uint8_t> iblock(60, 0);
    iblock[0] = 2;
    put_dirent(iblock, 4, 12, 12, "abcdefg");  // 8 + 7 > 12
    put_dirent(iblock, 16, 0, 44, "");
    const auto l = parse_inline_layout(InodeBuilder().mode(040755).flags(inline_fl).i_block(iblock).system_data().size(60).build());
    EXPECT_TRUE(l.has(LayoutProblem::dir_name_past_rec_len));
}

TEST(Layout, InlineSymlinkTargetIsTheInlineData) {
    const std::string target(70, 't');
    std::vector<std::uint8_t> all(target.begin(), target.end());
    const auto l = parse_inline_layout(InodeBuilder()
                                           .mode(0120777)
                                           .flags(inline_fl)
                                           .i_block({all.begin(), all.begin() + 60})
                                           .system_data({all.begin() + 60, all.end()})
                                           .size(70)
                                           .build());
    ASSERT_TRUE(l.symlink_target.has_value());
    EXPECT_EQ(*l.symlink_target, target);
}

TEST(Layout, ShortSymlinkWithoutFlagIsAFastSymlink) {
    const auto l = parse_inline_layout(InodeBuilder().mode(0120777).i_block(bytes(20)).size(20).build());
    EXPECT_EQ(l.storage, Storage::fast_symlink);
    ASSERT_TRUE(l.symlink_target.has_value());
    EXPECT_EQ(l.symlink_target->size(), 20u);
}

TEST(Layout, ExtentsFlagMeansExtentsAndSaysWhyNotInline) {
    const auto l = parse_inline_layout(InodeBuilder().flags(extents_fl).size(4096).build());
    EXPECT_EQ(l.storage, Storage::extents);
    EXPECT_NE(l.storage_reason.find("exceeds the inline capacity of 128"), std::string::npos);
}

TEST(Layout, WithoutTheFeatureTheReasonNamesIt) {
    const auto l = parse_inline_layout(InodeBuilder().flags(extents_fl).size(10).build(), false);
    EXPECT_NE(l.storage_reason.find("inline_data feature"), std::string::npos);
}

TEST(Layout, RandomBytesNeverYieldAValueOutsideTheInode) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 20000; ++round) {
        const std::size_t size = (round % 3 == 0) ? 256 : (round % 3 == 1 ? 512 : 128 + rng() % 200);
        auto raw = InodeBuilder(size < 160 ? 256 : size, 32).flags(inline_fl).system_data(bytes(rng() % 40)).build();
        raw.resize(size);
        for (int k = 0; k < 8; ++k)
            raw[rng() % raw.size()] = static_cast<std::uint8_t>(rng());
        const auto l = parse_inline_layout(raw);
        for (const auto& e : l.xattrs) {
            if (e.value_in_bounds) {
                ASSERT_LE(e.value_offset + e.value_size, raw.size()) << "round " << round;
            }
        }
        for (const auto& d : l.dir_entries)
            ASSERT_LE(d.offset + d.rec_len, l.inline_size) << "round " << round;
    }
}
