// The stress feature's pure parts: POSIX cksum, the writers' known content, the
// workload registry and the files a run reports (the kernel-log scanner is in kmsg_test.cpp).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "stress/stress.hpp"
#include "stress/workload.hpp"

using namespace e4inline;

TEST(PosixCksum, MatchesCoreutilsCksum) {
    EXPECT_EQ(posix_cksum(""), 4294967295u);          // printf '' | cksum
    EXPECT_EQ(posix_cksum("hello\n"), 3015617425u);   // echo hello | cksum
}

TEST(KnownContent, EachWriterClassHasItsOwnAlphabet) {
    using stress::Writer;
    for (std::uint64_t off = 0; off < 512; ++off) {
        char b = stress::known_byte(Writer::buffered, 3, 9, off);
        char m = stress::known_byte(Writer::mapped, 3, 9, off);
        EXPECT_TRUE(stress::byte_from(Writer::buffered, b));
        EXPECT_FALSE(stress::byte_from(Writer::mapped, b));
        EXPECT_TRUE(stress::byte_from(Writer::mapped, m));
        EXPECT_FALSE(stress::byte_from(Writer::initial, m));
    }
    EXPECT_FALSE(stress::byte_from(Writer::other, '\0'));
}

TEST(KnownContent, SameSeedSameBytesOtherGenerationOtherBytes) {
    using stress::Writer;
    EXPECT_EQ(stress::known_bytes(Writer::buffered, 1, 2, 0, 64), stress::known_bytes(Writer::buffered, 1, 2, 0, 64));
    EXPECT_NE(stress::known_bytes(Writer::buffered, 1, 2, 0, 64), stress::known_bytes(Writer::buffered, 1, 3, 0, 64));
}

TEST(Workloads, ReproducerShapesThatCanCrashAreMarked) {
    for (auto name : {"mkwrite-vs-write", "fallocate-vs-write", "append-fallocate-enospc", "truncate-huge-offset",
                      "truncate-sendfile"})
        EXPECT_TRUE(find_workload(name)->can_crash_kernel) << name;
    for (auto name : {"mmap-then-fsync", "xattr-vs-write", "append-across-capacity", "mmap-convert",
                      "truncate-down-up", "dir-grow-shrink"})
        EXPECT_FALSE(find_workload(name)->can_crash_kernel) << name;
    EXPECT_EQ(stress_workloads().size(), 11u);
}

TEST(Workloads, EveryListedWorkloadHasOneRecordWithAnIterationFunction) {
    std::set<std::string> names;
    ASSERT_EQ(stress::workload_records().size(), stress_workloads().size());
    for (const auto& w : stress_workloads()) {
        EXPECT_TRUE(names.insert(std::string(w.name)).second) << "listed twice: " << w.name;
        const auto* r = stress::find_workload_record(w.name);
        ASSERT_NE(r, nullptr) << w.name;
        EXPECT_NE(r->iteration, nullptr) << w.name;
        EXPECT_EQ(find_workload(w.name)->summary, r->info.summary) << w.name;
        EXPECT_FALSE(w.summary.empty()) << w.name;
    }
    EXPECT_EQ(find_workload("no-such-workload"), nullptr);
    EXPECT_EQ(stress::find_workload_record("no-such-workload"), nullptr);
}

TEST(Workloads, OnlyWorkloadsThatCanCrashTheKernelNeedFailingAllocation) {
    for (const auto& w : stress_workloads())
        if (w.needs_failing_allocation)
            EXPECT_TRUE(w.can_crash_kernel) << w.name;
}

namespace {

// A context whose work directory is a fresh temporary directory (retire unlinks there).
struct ContextInTempDir : ::testing::Test {
    stress::Context ctx;
    void SetUp() override {
        char tmpl[] = "/tmp/e4i-stress-unit.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        ctx.dir = tmpl;
        ctx.rel_dir = "/w";
    }
    void TearDown() override { std::filesystem::remove_all(ctx.dir); }
    std::vector<std::string> listed() {
        std::vector<std::string> v;
        for (const auto& f : ctx.files)
            v.push_back(f.file);
        return v;
    }
};

}  // namespace

TEST_F(ContextInTempDir, FilesKeepTheLastContentRecordedForEachName) {
    ctx.expect_final("a", "old");
    ctx.expect_final("b", "x");
    ctx.expect_final("a", "newer");
    ASSERT_EQ(ctx.files.size(), 2u);
    EXPECT_EQ(ctx.files.back().file, "/w/a");
    EXPECT_EQ(ctx.files.back().size, 5u);
    EXPECT_EQ(ctx.files.back().cksum, posix_cksum("newer"));
}

TEST_F(ContextInTempDir, ForgetDropsAFileOrEverythingUnderADirectory) {
    ctx.expect_final("dir0/e1", "1");
    ctx.expect_final("dir0/e2", "2");
    ctx.expect_final("dir01", "3");
    ctx.expect_final("c", "4");
    ctx.forget("dir0");
    EXPECT_EQ(listed(), (std::vector<std::string>{"/w/dir01", "/w/c"}));
    ctx.forget("c");
    EXPECT_EQ(listed(), (std::vector<std::string>{"/w/dir01"}));
}

TEST_F(ContextInTempDir, RetireRemovesAPassedFileAndKeepsOneThatFoundSomething) {
    for (const char* n : {"passed", "failed"}) {
        std::ofstream(ctx.path(n)) << "bytes";
        ctx.expect_final(n, "bytes");
    }
    ctx.mismatch("failed", 3, "disk: byte 0x00 where 0x41 was written");
    ctx.retire("passed");
    ctx.retire("failed");
    EXPECT_FALSE(std::filesystem::exists(ctx.path("passed")));
    EXPECT_TRUE(std::filesystem::exists(ctx.path("failed")));
    EXPECT_EQ(listed(), (std::vector<std::string>{"/w/failed"}));
}

TEST_F(ContextInTempDir, CompareNamesTheFirstDifferingOffsetOrTheSize) {
    EXPECT_TRUE(ctx.compare("f", "abc", "abc", "disk"));
    EXPECT_FALSE(ctx.compare("f", "abXd", "abcd", "disk"));
    EXPECT_FALSE(ctx.compare("g", "ab", "abcd", "page cache"));
    ASSERT_EQ(ctx.mismatches.size(), 2u);
    EXPECT_EQ(ctx.mismatches[0].file, "/w/f");
    EXPECT_EQ(ctx.mismatches[0].offset, 2u);
    EXPECT_EQ(ctx.mismatches[0].detail, "disk: byte 0x58 where 0x63 was written");
    EXPECT_EQ(ctx.mismatches[1].offset, 2u);
    EXPECT_EQ(ctx.mismatches[1].detail, "page cache: size 2 where 4 was written");
}
