// The writers' pure parts (inline directory packing, path splitting) and one
// end-to-end pass through the library on a fresh image.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "e4inline/convert.hpp"
#include "e4inline/create.hpp"
#include "lib/create_steps.hpp"
#include "e4inline/filesystem.hpp"
#include "lib/inline_dir.hpp"
#include "e4inline/layout.hpp"
#include "fresh_image.hpp"
#include "inode_builder.hpp"

using namespace e4inline;

namespace {

std::vector<DirEntrySpec> entries(int n, const std::string& stem = "name") {
    std::vector<DirEntrySpec> out;
    for (int i = 0; i < n; ++i)
        out.push_back({stem + std::to_string(i), static_cast<ext2_ino_t>(20 + i), EXT2_FT_REG_FILE});
    return out;
}

// Parse bytes as an inline directory inode would hold them.
InlineLayout parse_dir(const std::vector<std::uint8_t>& data) {
    test::InodeBuilder b(512, 32);
    b.mode(0040755).flags(test::inline_fl);
    b.i_block(std::vector<std::uint8_t>(data.begin(), data.begin() + 60));
    b.system_data(std::vector<std::uint8_t>(data.begin() + 60, data.end()));
    return parse_inline_layout(b.build());
}

}  // namespace

TEST(DirentRecLen, PadsNameToFourBytes) {
    EXPECT_EQ(dirent_rec_len(1), 12u);
    EXPECT_EQ(dirent_rec_len(4), 12u);
    EXPECT_EQ(dirent_rec_len(5), 16u);
}

TEST(InlineDirBytes, EmptyDirectoryIsParentAndOneUnusedEntry) {
    const auto data = inline_dir_bytes(2, {}, 128);
    ASSERT_TRUE(data);
    ASSERT_EQ(data->size(), 60u);
    EXPECT_EQ((*data)[0], 2);
    EXPECT_EQ((*data)[4 + 4], 56);  // rec_len of the unused entry reaches byte 60
}

TEST(InlineDirBytes, FewEntriesStayInIBlock) {
    const auto data = inline_dir_bytes(2, entries(3), 128);
    ASSERT_TRUE(data);
    EXPECT_EQ(data->size(), 60u);
}

TEST(InlineDirBytes, MoreEntriesFillSystemDataToCapacity) {
    const auto data = inline_dir_bytes(2, entries(6), 128);
    ASSERT_TRUE(data);
    EXPECT_EQ(data->size(), 128u);
    const InlineLayout l = parse_dir(*data);
    EXPECT_TRUE(l.issues.empty());
    std::size_t used = 0;
    for (const auto& e : l.dir_entries)
        used += e.inode != 0;
    EXPECT_EQ(used, 6u);
}

TEST(InlineDirBytes, RefusesWhatDoesNotFit) {
    EXPECT_FALSE(inline_dir_bytes(2, entries(12), 128));
    EXPECT_TRUE(inline_dir_bytes(2, entries(12), 384));
}

TEST(PathComponents, DropsEmptyAndDotComponents) {
    EXPECT_EQ(path_components("/a//b/./c/"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(path_components("/").empty());
}

OpenOptions writable() {
    OpenOptions o;
    o.writable = true;
    return o;
}


TEST_F(FreshImage, CreatedFileIsInlineAndReadsBackExactly) {
    auto fs = Filesystem::open(path_, writable());
    ASSERT_TRUE(fs) << fs.error().message();
    EXPECT_EQ(fresh_inode_capacity(*fs), 128u);
    CreateRequest req;
    req.path = "/f";
    req.data.assign(100, 'z');
    auto out = create_node(*fs, req);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(out->storage, Storage::inline_data);
    auto ref = fs->resolve("/f");
    ASSERT_TRUE(ref);
    EXPECT_EQ(*fs->read_content(*ref), req.data);
}

TEST_F(FreshImage, ConvertToExtentsKeepsTheExactSize) {
    auto fs = Filesystem::open(path_, writable());
    ASSERT_TRUE(fs);
    CreateRequest req;
    req.path = "/seven";
    req.data.assign(7, 's');
    ASSERT_TRUE(create_node(*fs, req));
    auto ref = fs->resolve("/seven");
    ASSERT_TRUE(ref);
    auto out = convert_inode(*fs, *ref, ConvertTarget::extents, false);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(out->status, ConvertStatus::converted);
    const auto l = fs->layout(*ref);
    EXPECT_EQ(l->storage, Storage::extents);
    EXPECT_EQ(l->size, 7u);  // not the 60 ext2fs_inline_data_expand leaves
    EXPECT_EQ(*fs->read_content(*ref), req.data);
}

TEST_F(FreshImage, DataOverCapacityIsRefusedWithoutAllowExtents) {
    auto fs = Filesystem::open(path_, writable());
    ASSERT_TRUE(fs);
    CreateRequest req;
    req.path = "/big";
    req.data.assign(129, 'b');
    auto out = create_node(*fs, req);
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().reason.find("at most 128 bytes"), std::string::npos);
}

// A superblock that asks for 64 bytes of extra inode fields: a new inode gets
// them (as the kernel's __ext4_new_inode gives them), and the room they take
// comes out of the inline capacity.
TEST_F(FreshImage, NewInodesHonourWantExtraIsize) {
    auto fs = Filesystem::open(path_, writable());
    ASSERT_TRUE(fs) << fs.error().message();
    ext2_super_block* sb = fs->raw()->super;
    ASSERT_TRUE(ext2fs_has_feature_extra_isize(sb));
    EXPECT_EQ(parse_inline_layout(fresh_inode(*fs, LINUX_S_IFREG | 0644, NodeAttrs{}, 1)).extra_isize, 32);
    sb->s_want_extra_isize = 64;
    const auto raw = fresh_inode(*fs, LINUX_S_IFREG | 0644, NodeAttrs{}, 1);
    EXPECT_EQ(parse_inline_layout(raw).extra_isize, 64);
    EXPECT_EQ(fresh_inode_capacity(*fs), 96u);
}
