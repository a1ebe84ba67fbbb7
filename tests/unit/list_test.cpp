// list: the fullness figure and the text and JSON shapes of a listing, on
// hand-made rows (tests/tool/list.sh runs the walk on real images).
#include <gtest/gtest.h>

#include "lib/list.hpp"

using e4inline::FileType;
using e4inline::ListedInode;

namespace {

ListedInode row(ext2_ino_t ino, std::string path, FileType type, std::uint64_t size, std::size_t in_use,
                std::size_t capacity) {
    return ListedInode{ino, std::move(path), type, size, in_use, capacity};
}

}  // namespace

TEST(ListFullness, IsInUseOverCapacityRoundedDown) {
    EXPECT_EQ(row(12, "/a", FileType::regular, 0, 60, 128).fullness(), 46u);   // 46.875
    EXPECT_EQ(row(12, "/a", FileType::regular, 127, 127, 128).fullness(), 99u);
    EXPECT_EQ(row(12, "/a", FileType::regular, 128, 128, 128).fullness(), 100u);
}

TEST(ListFullness, IsZeroWhenTheCapacityIsZero) {
    EXPECT_EQ(row(12, "/a", FileType::regular, 10, 60, 0).fullness(), 0u);
}

TEST(ListText, AlignsColumnsToTheWidestValueAndEscapesPaths) {
    const std::vector<ListedInode> rows{row(7, "/dir", FileType::directory, 60, 60, 128),
                                        row(12345, "/n\xff", FileType::regular, 5, 60, 384)};
    EXPECT_EQ(e4inline::list_text(rows),
              "INODE  TYPE       SIZE  IN_USE  CAPACITY  FULL  PATH\n"
              "    7  directory    60      60       128   46%  /dir\n"
              "12345  regular       5      60       384   15%  /n\\xff\n");
}

TEST(ListText, IsTheHeaderAloneForNoInodes) {
    EXPECT_EQ(e4inline::list_text({}), "INODE  TYPE  SIZE  IN_USE  CAPACITY  FULL  PATH\n");
}

TEST(ListJson, HasTheDocumentedKeysAndALosslessName) {
    const auto j = e4inline::list_json({row(13, "/n\xff", FileType::symlink, 62, 62, 128)});
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 1u);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j[0].items())
        keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"inode", "path", "path_b64", "type", "size", "in_use", "capacity",
                                              "fullness"}));
    EXPECT_EQ(j[0]["path_b64"], "L27/");
    EXPECT_EQ(j[0]["type"], "symlink");
    EXPECT_EQ(j[0]["fullness"], 48);
}
