// Filesystems that do not start at byte 0: IMAGE?offset=N and
// OpenOptions::partition (GPT and MBR tables written by sfdisk), read and
// written through the library, and the "while opening IMAGE" wording.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "e4inline/create.hpp"
#include "e4inline/filesystem.hpp"

using namespace e4inline;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;

std::vector<char> bytes_of(const std::string& path, std::uint64_t from, std::uint64_t count) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(from));
    std::vector<char> out(count);
    in.read(out.data(), static_cast<std::streamsize>(count));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
}

bool run(const std::string& cmd) {
    return std::system(("PATH=$PATH:/sbin:/usr/sbin; { " + cmd + "; } >/dev/null 2>&1").c_str()) == 0;
}

std::string text(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

// A 12 MiB image: partition 1 at 1 MiB (2 MiB), partition 2 at 3 MiB
// (8 MiB) holding ext4 with inline_data and /hello (40 bytes, inline).
// Partition 1 is filled with a pattern that must survive every write.
class PartitionedImage : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/e4i-part-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        image_ = dir_ + "/disk.img";
        if (!run("command -v sfdisk && command -v mke2fs"))
            GTEST_SKIP() << "sfdisk or mke2fs not available";
        const std::string script = std::string("label: ") + GetParam() +
                                   "\\nstart=2048, size=4096\\nstart=6144, size=16384\\n";
        ASSERT_TRUE(run("truncate -s 12M " + image_ + " && printf '" + script + "' | sfdisk -q " + image_));
        ASSERT_TRUE(run("mkdir -p " + dir_ + "/src && printf 'forty bytes of text, stored inline here\\n' >" + dir_ +
                        "/src/hello"));
        ASSERT_TRUE(run("mke2fs -q -F -t ext4 -O inline_data -E offset=" + std::to_string(3 * mib) + " -d " + dir_ +
                        "/src " + image_ + " 8M"));
        ASSERT_TRUE(run("yes partition-one | head -c 2097152 | dd of=" + image_ +
                        " bs=1M seek=1 conv=notrunc status=none"));
        before_ = bytes_of(image_, 0, 3 * mib);
    }
    void TearDown() override {
        if (!dir_.empty())
            run("rm -rf " + dir_);
    }
    std::string dir_, image_;
    std::vector<char> before_;
};

TEST_P(PartitionedImage, ReadsTheFilesystemInPartitionTwo) {
    auto fs = Filesystem::open(image_, OpenOptions{.partition = 2});
    ASSERT_TRUE(fs) << fs.error().message();
    auto ref = fs->resolve("/hello");
    ASSERT_TRUE(ref) << ref.error().message();
    auto l = fs->layout(*ref);
    ASSERT_TRUE(l);
    EXPECT_TRUE(l->inline_flag());
    auto data = fs->read_content(*ref);
    ASSERT_TRUE(data);
    EXPECT_EQ(text(*data), "forty bytes of text, stored inline here\n");
}

TEST_P(PartitionedImage, TheSameThroughOffset) {
    auto fs = Filesystem::open(image_ + "?offset=" + std::to_string(3 * mib));
    ASSERT_TRUE(fs) << fs.error().message();
    auto data = fs->read_content(*fs->resolve("/hello"));
    ASSERT_TRUE(data);
    EXPECT_EQ(text(*data), "forty bytes of text, stored inline here\n");
    EXPECT_EQ(fs->image(), image_ + "?offset=" + std::to_string(3 * mib));
}

TEST_P(PartitionedImage, WritesOnlyInsidePartitionTwo) {
    {
        auto fs = Filesystem::open(image_, OpenOptions{.writable = true, .partition = 2});
        ASSERT_TRUE(fs) << fs.error().message();
        CreateRequest req;
        req.path = "/new";
        req.data = {'n', 'e', 'w', '\n'};
        auto made = create_node(*fs, req);
        ASSERT_TRUE(made) << made.error().message();
        ASSERT_TRUE(fs->close());
    }
    EXPECT_EQ(bytes_of(image_, 0, 3 * mib), before_) << "the partition table or partition 1 changed";
    auto fs = Filesystem::open(image_, OpenOptions{.partition = 2});
    ASSERT_TRUE(fs);
    auto data = fs->read_content(*fs->resolve("/new"));
    ASSERT_TRUE(data);
    EXPECT_EQ(text(*data), "new\n");
    EXPECT_TRUE(run("e2fsck -fn '" + image_ + "?offset=" + std::to_string(3 * mib) + "'"));
}

TEST_P(PartitionedImage, NamesAMissingPartition) {
    auto fs = Filesystem::open(image_, OpenOptions{.partition = 3});
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().exit, ExitCode::operational);
    EXPECT_EQ(fs.error().message(), image_ + ": has no partition 3 (it has 2)");
}

TEST_P(PartitionedImage, PartitionOneHoldsNoFilesystem) {
    auto fs = Filesystem::open(image_, OpenOptions{.partition = 1});
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().exit, ExitCode::operational);
    EXPECT_EQ(fs.error().message(), "Bad magic number in super-block while opening " + image_);
}

TEST_P(PartitionedImage, RefusesPartitionAndOffsetTogether) {
    auto fs = Filesystem::open(image_ + "?offset=1048576", OpenOptions{.partition = 2});
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().exit, ExitCode::usage);
}

TEST_P(PartitionedImage, RefusesAFilesystemLargerThanItsPartition) {
    // 3 MiB of filesystem in the 2 MiB of partition 1: it runs into partition 2.
    ASSERT_TRUE(run("mke2fs -q -F -t ext4 -O inline_data -E offset=" + std::to_string(mib) + " " + image_ + " 3M"));
    auto fs = Filesystem::open(image_, OpenOptions{.partition = 1});
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().message(),
              image_ + ": the filesystem (3145728 bytes) is larger than partition 1 (2097152 bytes)");
}

INSTANTIATE_TEST_SUITE_P(Tables, PartitionedImage, ::testing::Values("gpt", "dos"));

TEST(ImageSpec, ParsesOffsetLikeUnixIo) {
    auto s = parse_image_spec("disk.img?offset=0x100000");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->path, "disk.img");
    EXPECT_EQ(s->offset, mib);
    EXPECT_EQ(s->io_options, "offset=0x100000");
    s = parse_image_spec("disk.img");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->offset, 0u);
    EXPECT_TRUE(s->io_options.empty());
    s = parse_image_spec("disk.img?cache=off&offset=4096");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->offset, 4096u);
    for (const char* bad : {"disk.img?offset=", "disk.img?offset=12k", "disk.img?offset=-1"}) {
        auto r = parse_image_spec(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().exit, ExitCode::usage) << bad;
    }
}

TEST(ImageSpec, NoPartitionTable) {
    char tmpl[] = "/tmp/e4i-nopart-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    const std::string path = tmpl;
    if (!run("mke2fs -q -F -t ext4 -O inline_data " + path + " 4M")) {
        unlink(tmpl);
        GTEST_SKIP() << "mke2fs not available";
    }
    auto fs = Filesystem::open(path, OpenOptions{.partition = 1});
    unlink(tmpl);
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().message(), path + ": no partition table (asked for partition 1)");
}

TEST(OpenError, NamesTheImageAfterOpening) {
    auto fs = Filesystem::open("/nonexistent/disk.img");
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().message(), "No such file or directory while opening /nonexistent/disk.img");
    fs = Filesystem::open("/nonexistent/disk.img?offset=4096");
    ASSERT_FALSE(fs);
    EXPECT_EQ(fs.error().message(), "No such file or directory while opening /nonexistent/disk.img?offset=4096");
}

}  // namespace
