// Staged writes and the write lock, through the library: nothing reaches the
// image before Filesystem::close(), a Filesystem destroyed without close()
// leaves the image as it was, and a second writer is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "e4inline/create.hpp"
#include "e4inline/filesystem.hpp"
#include "fresh_image.hpp"

using namespace e4inline;

namespace {

std::vector<char> bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class StagedImage : public FreshImage {
protected:
    void SetUp() override {
        FreshImage::SetUp();
        if (IsSkipped())
            return;
        before_ = bytes_of(path_);
    }
    Result<CreateOutcome> create(Filesystem& fs, const std::string& path) {
        CreateRequest req;
        req.path = path;
        req.data.assign(50, 'x');
        return create_node(fs, req);
    }
    std::vector<char> before_;
};

OpenOptions writer() { return OpenOptions::for_write(false, ""); }

}  // namespace

TEST_F(StagedImage, WritesReachTheImageOnlyAtClose) {
    auto fs = Filesystem::open(path_, writer());
    ASSERT_TRUE(fs) << fs.error().message();
    ASSERT_TRUE(create(*fs, "/f"));
    EXPECT_TRUE(fs->resolve("/f"));  // the writer reads its own staged writes
    EXPECT_EQ(bytes_of(path_), before_);
    ASSERT_TRUE(fs->close());
    EXPECT_NE(bytes_of(path_), before_);
    auto again = Filesystem::open(path_);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->resolve("/f"));
}

TEST_F(StagedImage, DestroyingAWriterWithoutCloseLeavesTheImageAsItWas) {
    {
        auto fs = Filesystem::open(path_, writer());
        ASSERT_TRUE(fs);
        ASSERT_TRUE(create(*fs, "/f"));
        EXPECT_FALSE(create(*fs, "/d/g"));  // a later step fails: no /d
    }
    EXPECT_EQ(bytes_of(path_), before_);
}

TEST_F(StagedImage, ASecondWriterIsRefusedWhileTheFirstIsOpen) {
    auto first = Filesystem::open(path_, writer());
    ASSERT_TRUE(first);
    auto second = Filesystem::open(path_, writer());
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message().find("holds the write lock"), std::string::npos);
    EXPECT_TRUE(Filesystem::open(path_));  // a reader is not refused
    ASSERT_TRUE(first->close());  // close() releases the lock
    EXPECT_TRUE(Filesystem::open(path_, writer()));
}
