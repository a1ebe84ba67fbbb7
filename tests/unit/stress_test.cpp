// The stress feature's pure parts: the kernel-log classifier, the device filter,
// POSIX cksum, and the writers' known content.
#include <gtest/gtest.h>

#include "e4inline/kmsg.hpp"
#include "e4inline/stress.hpp"
#include "e4inline/stress_workload.hpp"

using namespace e4inline;

TEST(KernelLog, KernelBugAtIsABug) {
    EXPECT_EQ(classify_kernel_message("kernel BUG at fs/ext4/inline.c:228!"), "BUG");
}

TEST(KernelLog, WarningWithLocationIsAWarning) {
    EXPECT_EQ(classify_kernel_message("WARNING: CPU: 1 PID: 42 at fs/ext4/inode.c:3123 ext4_do_writepages+0x1/0x2"),
              "WARNING");
}

TEST(KernelLog, Ext4ErrorIsFound) {
    EXPECT_EQ(classify_kernel_message("EXT4-fs error (device vda): ext4_read_inline_data:200: inode #12: bad"),
              "EXT4-fs error");
}

TEST(KernelLog, LockdepSplatIsFound) {
    EXPECT_EQ(classify_kernel_message("WARNING: possible circular locking dependency detected"), "lockdep");
}

TEST(KernelLog, KasanReportIsFound) {
    EXPECT_EQ(classify_kernel_message("BUG: KASAN: slab-out-of-bounds in ext4_read_inline_data+0x1/0x2"), "KASAN");
}

TEST(KernelLog, OrdinaryMountMessageIsNotAFinding) {
    EXPECT_FALSE(classify_kernel_message("EXT4-fs (loop0): mounted filesystem with ordered data mode."));
}

TEST(KernelLog, MessageAboutAnotherDeviceIsFilteredOut) {
    EXPECT_TRUE(kernel_message_concerns_other_device("EXT4-fs error (device loop7): x", "loop0"));
    EXPECT_FALSE(kernel_message_concerns_other_device("EXT4-fs error (device loop0): x", "loop0"));
    EXPECT_FALSE(kernel_message_concerns_other_device("kernel BUG at fs/ext4/inline.c:1", "loop0"));
    EXPECT_FALSE(kernel_message_concerns_other_device("EXT4-fs error (device loop7): x", ""));
}

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
    for (auto name : {"append-across-capacity", "mmap-convert", "truncate-down-up", "dir-grow-shrink"})
        EXPECT_FALSE(find_workload(name)->can_crash_kernel) << name;
    EXPECT_EQ(stress_workloads().size(), 11u);
}
