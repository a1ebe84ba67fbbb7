// check_inode on synthetic inodes: the findings no craft kind can make, and
// the rule that one broken thing gives one finding.
#include <gtest/gtest.h>

#include <set>

#include "verify/verify.hpp"
#include "inode_builder.hpp"

using e4inline::check_inode;
using e4inline::FindingCode;
using e4inline::InodeContext;
using e4inline::parse_inline_layout;
using e4inline::test::InodeBuilder;
using e4inline::test::inline_fl;

namespace {

InodeContext context() {
    InodeContext ctx;
    ctx.inodes_count = 1024;
    ctx.inode_in_use = [](std::uint32_t ino) { return ino <= 20; };
    return ctx;
}

std::vector<FindingCode> codes(const InodeContext& ctx, const std::vector<std::uint8_t>& raw) {
    std::vector<FindingCode> out;
    for (const auto& f : check_inode(ctx, 12, raw, parse_inline_layout(raw, ctx.fs_has_inline_data), true))
        out.push_back(f.code);
    return out;
}

using Codes = std::vector<FindingCode>;

}  // namespace

TEST(Verify, WellFormedInlineFileHasNoFindings) {
    const auto raw = InodeBuilder().flags(inline_fl).size(10).system_data().build();
    EXPECT_EQ(codes(context(), raw), Codes{});
}

TEST(Verify, RegularFileWithSizePastInlineSizeIsAFinding) {
    const auto raw = InodeBuilder().flags(inline_fl).size(61).system_data().build();
    EXPECT_EQ(codes(context(), raw), Codes{FindingCode::size_past_inline});
}

TEST(Verify, SystemDataOnlyInTheXattrBlockIsOutsideTheBody) {
    auto raw = InodeBuilder().flags(inline_fl).size(10).xattr({1, "x", {}, std::nullopt, 0}).build();
    raw[104] = 77;  // i_file_acl
    auto ctx = context();
    ctx.block_has_system_data = [](std::uint64_t block) { return block == 77; };
    EXPECT_EQ(codes(ctx, raw), Codes{FindingCode::system_data_outside_body});
    ctx.block_has_system_data = [](std::uint64_t) { return false; };
    EXPECT_EQ(codes(ctx, raw), Codes{FindingCode::system_data_missing});
}

TEST(Verify, InlineFlagWithoutTheFeatureIsAFinding) {
    const auto raw = InodeBuilder().flags(inline_fl).size(10).system_data().build();
    auto ctx = context();
    ctx.fs_has_inline_data = false;
    EXPECT_EQ(codes(ctx, raw), Codes{FindingCode::flag_without_feature});
}

TEST(Verify, UnreadableXattrAreaDoesNotAlsoReportSystemDataMissing) {
    const auto raw = InodeBuilder().flags(inline_fl).size(10).system_data().magic(0x12345678).build();
    EXPECT_EQ(codes(context(), raw), Codes{FindingCode::xattr_bad_magic});
}

TEST(Verify, InlineDirectoryWithUnusedParentIsAFinding) {
    std::vector<std::uint8_t> block(60, 0);
    block[0] = 500 & 0xff;  // parent inode 500: in range, not in use
    block[1] = 500 >> 8;
    block[8] = 56;   // one empty dirent, rec_len 56
    const auto raw = InodeBuilder().mode(040755).flags(inline_fl).size(60).i_block(block).system_data().build();
    EXPECT_EQ(codes(context(), raw), Codes{FindingCode::dir_parent_bad});
}

TEST(Verify, ChecksumIsCheckedOnlyForInodesWithInlineData) {
    const auto inl = InodeBuilder().flags(inline_fl).size(10).system_data().build();
    const auto plain = InodeBuilder().build();
    auto ctx = context();
    ctx.metadata_csum = true;
    EXPECT_EQ(check_inode(ctx, 12, inl, parse_inline_layout(inl), false).size(), 1u);
    EXPECT_TRUE(check_inode(ctx, 12, plain, parse_inline_layout(plain), false).empty());
}

TEST(Verify, InodesWithoutFlagOrXattrsAreSkippedUnparsed) {
    EXPECT_FALSE(e4inline::inode_needs_check(InodeBuilder().build()));
    EXPECT_TRUE(e4inline::inode_needs_check(InodeBuilder().flags(inline_fl).build()));
    EXPECT_TRUE(e4inline::inode_needs_check(InodeBuilder().xattr({1, "x", {}, std::nullopt, 0}).build()));
    EXPECT_TRUE(e4inline::inode_needs_check(InodeBuilder(256, 30).build()));  // invalid i_extra_isize
}

TEST(Verify, CatalogNamesAreUniqueAndIndexedByCode) {
    std::set<std::string> names;
    for (const auto& f : e4inline::finding_catalog()) {
        EXPECT_TRUE(names.insert(f.name).second) << f.name;
        EXPECT_EQ(&e4inline::finding_info(f.code), &f);
        EXPECT_EQ(e4inline::find_finding(f.name), &f);
    }
}
