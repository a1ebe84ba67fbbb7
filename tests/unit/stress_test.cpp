// The stress feature's pure parts: POSIX cksum, the writers' known content and the
// workload registry (the kernel-log scanner is in kmsg_test.cpp).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "e4inline/stress.hpp"
#include "e4inline/stress_workload.hpp"

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
