// The kernel-log scanner on kernel log excerpts shaped as the kernel prints them
// (dmesg time stamps included): one finding per report, its meaningful line.
#include <gtest/gtest.h>

#include "stress/kmsg.hpp"

using namespace e4inline;

namespace {

// A WARN_ON in ext4_dirty_folio reached from munmap, as 6.1 prints it (shape A).
constexpr const char* kWarning = R"([  412.118530] ------------[ cut here ]------------
[  412.118911] WARNING: CPU: 1 PID: 311 at fs/ext4/inode.c:3663 ext4_dirty_folio+0x5c/0x70
[  412.119702] Modules linked in: loop virtio_blk
[  412.120093] CPU: 1 PID: 311 Comm: e4inline Not tainted 6.1.0-57-amd64 #1  Debian 6.1.158-1
[  412.120751] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[  412.121430] RIP: 0010:ext4_dirty_folio+0x5c/0x70
[  412.121894] Code: 48 89 ef 5b 5d e9 13 8c f3 ff 48 8b 46 18 a8 01 75 ce 0f 0b eb ca 48 8b 47 18
[  412.122689] RSP: 0018:ffffb3d1c05cbd28 EFLAGS: 00010246
[  412.123110] Call Trace:
[  412.123303]  <TASK>
[  412.123461]  folio_mark_dirty+0x2b/0x60
[  412.123778]  unmap_page_range+0x7b6/0xd80
[  412.124102]  ? lockdep_hardirqs_on_prepare+0x10/0x190
[  412.124488]  unmap_vmas+0xf2/0x190
[  412.124762]  __do_sys_munmap+0x1b3/0x1e0
[  412.125087]  do_syscall_64+0x5b/0xc0
[  412.125361]  entry_SYSCALL_64_after_hwframe+0x64/0xce
[  412.125794]  </TASK>
[  412.125958] ---[ end trace 0000000000000000 ]---
)";

// BUG_ON in ext4_write_inline_data_end reached from pwrite64 (6.1, shape A): an oops
// and the panic it ends in.
constexpr const char* kBug = R"([  97.502214] ------------[ cut here ]------------
[  97.502690] kernel BUG at fs/ext4/inline.c:793!
[  97.503121] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI
[  97.503560] CPU: 0 PID: 288 Comm: e4inline Not tainted 6.1.0-57-amd64 #1  Debian 6.1.158-1
[  97.504302] RIP: 0010:ext4_write_inline_data_end+0x2c4/0x2e0
[  97.504811] Call Trace:
[  97.505021]  <TASK>
[  97.505187]  generic_perform_write+0x10f/0x220
[  97.505548]  ext4_buffered_write_iter+0x90/0x130
[  97.505918]  __x64_sys_pwrite64+0x91/0xc0
[  97.506239]  </TASK>
[  97.506412] Modules linked in: loop virtio_blk
[  97.506797] ---[ end trace 0000000000000000 ]---
[  97.507171] RIP: 0010:ext4_write_inline_data_end+0x2c4/0x2e0
[  97.507802] Kernel panic - not syncing: Fatal exception
)";

// A KASAN report (syzbot's shape for ext4_read_inline_data): framed by rows of '=',
// with an allocation and a free stack after the call trace.
constexpr const char* kKasan = R"(==================================================================
BUG: KASAN: slab-use-after-free in ext4_read_inline_data+0x1c7/0x240
Read of size 60 at addr ffff88801a3e4c80 by task e4inline/402

CPU: 1 PID: 402 Comm: e4inline Not tainted 6.12.95 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x7d/0xa0
 kasan_report+0xd9/0x110
 ext4_read_inline_data+0x1c7/0x240
 </TASK>

Allocated by task 398:
 kmem_cache_alloc_noprof+0x1ef/0x390
Freed by task 398:
 kmem_cache_free+0x123/0x4f0
The buggy address belongs to the object at ffff88801a3e4c00
==================================================================
)";

// A lockdep report: its own frame, a "WARNING:" line without a location.
constexpr const char* kLockdep = R"(======================================================
WARNING: possible circular locking dependency detected
6.12.95 #1 Not tainted
------------------------------------------------------
e4inline/377 is trying to acquire lock:
ffff888007c0a3b8 (&ei->xattr_sem){++++}-{3:3}, at: ext4_try_to_write_inline_data+0x5d/0x760

but task is already holding lock:
ffff888007c0a530 (mapping.invalidate_lock){++++}-{3:3}, at: ext4_page_mkwrite+0x6e/0x8a0

stack backtrace:
CPU: 0 UID: 0 PID: 377 Comm: e4inline Not tainted 6.12.95 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x7d/0xa0
 check_noncircular+0x13b/0x150
 __lock_acquire+0x1405/0x2340
 lock_acquire+0xd4/0x2f0
 </TASK>
)";

// A general protection fault with KASAN's null-ptr-deref note right after it.
constexpr const char* kGpf =
    R"(Oops: general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] PREEMPT SMP KASAN NOPTI
KASAN: null-ptr-deref in range [0x0000000000000018-0x000000000000001f]
CPU: 0 UID: 0 PID: 512 Comm: e4inline Not tainted 7.2.13 #1
RIP: 0010:ext4_da_write_inline_data_begin+0x2a1/0xad0
Call Trace:
 <TASK>
 ext4_da_write_begin+0x1fa/0x9a0
 </TASK>
---[ end trace 0000000000000000 ]---
)";

}  // namespace

TEST(KernelLog, CutHereIsNotAFindingByItself) {
    EXPECT_FALSE(classify_kernel_message("------------[ cut here ]------------"));
}

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

TEST(KernelLog, CallTraceLinesNamingLockdepOrBugFunctionsAreNotFindings) {
    EXPECT_FALSE(classify_kernel_message(" ? lockdep_hardirqs_on_prepare+0x10/0x190"));
    EXPECT_FALSE(classify_kernel_message(" report_bug+0x17e/0x1b0"));
    EXPECT_FALSE(classify_kernel_message(" kasan_report+0xd9/0x110"));
}

TEST(KernelLog, MessageAboutAnotherDeviceIsFilteredOut) {
    EXPECT_TRUE(kernel_message_concerns_other_device("EXT4-fs error (device loop7): x", "loop0"));
    EXPECT_FALSE(kernel_message_concerns_other_device("EXT4-fs error (device loop0): x", "loop0"));
    EXPECT_FALSE(kernel_message_concerns_other_device("kernel BUG at fs/ext4/inline.c:1", "loop0"));
    EXPECT_FALSE(kernel_message_concerns_other_device("EXT4-fs error (device loop7): x", ""));
}

TEST(KernelLogScan, WarningReportGivesItsWarningLineOnce) {
    auto f = scan_kernel_log(kWarning);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "WARNING");
    EXPECT_EQ(f[0].line, "WARNING: CPU: 1 PID: 311 at fs/ext4/inode.c:3663 ext4_dirty_folio+0x5c/0x70");
}

TEST(KernelLogScan, KernelBugGivesTheBugLineNotTheOopsOrTheFatalPanic) {
    auto f = scan_kernel_log(kBug);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "BUG");
    EXPECT_EQ(f[0].line, "kernel BUG at fs/ext4/inline.c:793!");
}

TEST(KernelLogScan, KasanReportGivesTheFirstBugKasanLine) {
    auto f = scan_kernel_log(kKasan);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "KASAN");
    EXPECT_EQ(f[0].line, "BUG: KASAN: slab-use-after-free in ext4_read_inline_data+0x1c7/0x240");
}

TEST(KernelLogScan, LockdepReportGivesItsHeadline) {
    auto f = scan_kernel_log(kLockdep);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "lockdep");
    EXPECT_EQ(f[0].line, "WARNING: possible circular locking dependency detected");
}

TEST(KernelLogScan, GeneralProtectionFaultKeepsItsKasanNoteInsideTheReport) {
    auto f = scan_kernel_log(kGpf);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "Oops");
    EXPECT_TRUE(f[0].line.starts_with("Oops: general protection fault")) << f[0].line;
}

TEST(KernelLogScan, ConsecutiveReportsAreFoundEach) {
    std::string log = std::string(kWarning) + kWarning + kLockdep + kBug;
    auto f = scan_kernel_log(log);
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[0].kind, "WARNING");
    EXPECT_EQ(f[1].kind, "WARNING");
    EXPECT_EQ(f[2].kind, "lockdep");
    EXPECT_EQ(f[3].line, "kernel BUG at fs/ext4/inline.c:793!");
}

TEST(KernelLogScan, WarnWithAMessageGivesTheWarningLineAfterTheMessage) {
    auto f = scan_kernel_log("------------[ cut here ]------------\n"
                             "EXT4-fs: inline data inode 12 has dirty pages\n"
                             "WARNING: CPU: 0 PID: 77 at fs/ext4/inode.c:2801 ext4_do_writepages+0x9d1/0xf30\n"
                             "Call Trace:\n <TASK>\n ext4_writepages+0xd3/0x1a0\n </TASK>\n"
                             "---[ end trace 0000000000000000 ]---\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, "WARNING: CPU: 0 PID: 77 at fs/ext4/inode.c:2801 ext4_do_writepages+0x9d1/0xf30");
}

TEST(KernelLogScan, FramedReportWithoutAKnownLineIsReportedByItsFirstLine) {
    auto f = scan_kernel_log("------------[ cut here ]------------\n"
                             "WARN_ON_ONCE(folio_test_dirty) in ext4 inline path\n"
                             "---[ end trace 0000000000000000 ]---\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "WARNING");
    EXPECT_EQ(f[0].line, "WARN_ON_ONCE(folio_test_dirty) in ext4 inline path");
}

TEST(KernelLogScan, Ext4ErrorsAreOneFindingEach) {
    auto f = scan_kernel_log("[ 5.1] EXT4-fs error (device vda): ext4_find_inline_data_nolock:149: inode #13: comm e4inline: inline data xattr refers to an external xattr inode\n"
                             "[ 5.2] EXT4-fs error (device vda): ext4_read_inline_dir:1487: inode #13: comm ls: bad\n"
                             "[ 5.3] EXT4-fs (vda): Remounting filesystem read-only\n");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].kind, "EXT4-fs error");
    EXPECT_TRUE(f[1].line.starts_with("EXT4-fs error (device vda): ext4_read_inline_dir")) << f[1].line;
}

TEST(KernelLogScan, QuietLogHasNoFindings) {
    EXPECT_TRUE(scan_kernel_log("[    1.0] EXT4-fs (loop3): mounted filesystem 1234 r/w with ordered data mode.\n"
                                "[    2.0] loop3: detected capacity change from 0 to 32768\n")
                    .empty());
}

TEST(KernelLogScan, ScannerFedRecordByRecordAgreesWithTheTextScan) {
    KernelLogScanner s;
    std::vector<KernelLogFinding> f;
    for (const char* m : {"------------[ cut here ]------------", "kernel BUG at fs/ext4/inline.c:791!",
                          "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "RIP: 0010:ext4_write_inline_data_end"})
        if (auto x = s.feed(m))
            f.push_back(*x);
    if (auto x = s.finish())
        f.push_back(*x);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, "kernel BUG at fs/ext4/inline.c:791!");
}

// One line of each kind the classifier knows (the union of what `e4inline stress`
// and e4inline-vm's console verdict used to catch separately).
TEST(KernelLogKinds, EveryKindHasALine) {
    const std::pair<const char*, const char*> lines[] = {
        {"Kernel panic - not syncing: Fatal exception", "panic"},
        {"BUG: KASAN: use-after-free in ext4_read_inline_data+0x1/0x2", "KASAN"},
        {"KASAN: null-ptr-deref in range [0x18-0x1f]", "KASAN"},
        {"UBSAN: shift-out-of-bounds in fs/ext4/inline.c:188:9", "UBSAN"},
        {"kernel BUG at fs/ext4/inline.c:793!", "BUG"},
        {"BUG: unable to handle page fault for address: ffffffffffffffe8", "BUG"},
        {"watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [e4inline:311]", "BUG"},
        {"general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP", "BUG"},
        {"traps: PANIC: double fault, error_code: 0x0", "BUG"},
        {"PANIC: double fault, error_code: 0x0", "BUG"},
        {"double fault: 0000 [#1] PREEMPT SMP NOPTI", "BUG"},
        {"Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1]", "Oops"},
        {"invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "Oops"},
        {"INFO: task e4inline:402 blocked for more than 120 seconds.", "hung task"},
        {"INFO: possible recursive locking detected", "lockdep"},
        {"WARNING: possible circular locking dependency detected", "lockdep"},
        {"WARNING: suspicious RCU usage", "lockdep"},
        {"WARNING: CPU: 0 PID: 9 at fs/ext4/inode.c:3572 ext4_dirty_folio+0x23/0x40", "WARNING"},
        {"WARNING: at fs/ext4/inode.c:3572 ext4_dirty_folio+0x23/0x40()", "WARNING"},
        {"EXT4-fs error (device vda): ext4_journal_check_start:84: comm e4inline: Detected aborted journal",
         "EXT4-fs error"},
        {"Aborting journal on device vda-8.", "journal abort"},
        {"JBD2: Invalid checksum recovering data block 1090 in log", "checksum"},
        {"EXT4-fs (loop0): ext4_check_descriptors: Checksum for group 0 failed (1234!=5678)", "checksum"},
    };
    for (auto [line, kind] : lines)
        EXPECT_EQ(classify_kernel_message(line), std::optional<std::string>(kind)) << line;
}

TEST(KernelLogKinds, LinesThatAreNotFindings) {
    for (const char* line : {
             "------------[ cut here ]------------",
             "---[ end trace 0000000000000000 ]---",
             "EXT4-fs (vda): mounted filesystem 1b2c r/w with ordered data mode. Quota mode: none.",
             "EXT4-fs (vda): warning: mounting fs with errors, running e2fsck is recommended",
             "JBD2: Ignoring recovery information on journal",
             "EXT4-fs (vda): recovery complete",
             "CPU: 1 PID: 402 Comm: e4inline Not tainted 6.12.95 #1 (KASAN enabled)",
             " ? lockdep_hardirqs_on_prepare+0x10/0x190",
             " ubsan_epilogue+0x5/0x30",
             " jbd2_journal_abort+0x1/0x2",
             "INFO: task e4inline:402 started",
             "RIP: 0010:ext4_write_inline_data_end+0x2c4/0x2e0",
             "E4I-VM: command start",
         })
        EXPECT_FALSE(classify_kernel_message(line)) << line;
}

TEST(KernelLogKinds, PrintkTimeIsStrippedAndRead) {
    double t = -1;
    EXPECT_EQ(strip_printk_time("[   12.345678] kernel BUG at x.c:1!", &t), "kernel BUG at x.c:1!");
    EXPECT_DOUBLE_EQ(t, 12.345678);
    t = -1;
    EXPECT_EQ(strip_printk_time("[not a stamp] x", &t), "[not a stamp] x");
    EXPECT_EQ(t, -1);
}

// e4inline-vm's console verdict, on consoles shaped as its guest prints them.
namespace {

// The verdict on a console of these lines, each ended by "\r\n" as a serial console does.
ConsoleVerdict verdict_of(std::initializer_list<const char*> lines, GuestKilled killed = GuestKilled::no) {
    std::string text;
    for (const char* l : lines)
        text += std::string(l) + "\r\n";
    return classify_vm_console(text, killed);
}

void expect_verdict(const ConsoleVerdict& v, const char* verdict, const char* log_line, const char* log_where) {
    EXPECT_EQ(v.verdict, verdict);
    EXPECT_EQ(v.log_line, log_line);
    EXPECT_EQ(v.log_where, log_where);
}

}  // namespace

TEST(VmConsole, CleanRunIsCompletedWithoutALogLine) {
    auto v = verdict_of({"[    0.000000] Linux version 6.1.0-57-cloud-amd64",
                         "E4I-VM: kernel 6.1.0-57-cloud-amd64 up",
                         "[    3.500000] E4I-VM: command start", "E4I-VM: done rc=0"});
    expect_verdict(v, "completed", "", "");
    EXPECT_EQ(v.console_kernel, "6.1.0-57-cloud-amd64");
    EXPECT_FALSE(v.failure_seconds);
}

TEST(VmConsole, BugAfterTheCommandStartedIsKernelBugTimedFromTheStart) {
    auto v = verdict_of({"E4I-VM: kernel 6.12.95 up", "[   10.000000] E4I-VM: command start",
                         "[   12.340000] ------------[ cut here ]------------",
                         "[   12.360000] kernel BUG at fs/ext4/inline.c:791!",
                         "[   12.370000] Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
                         "[   12.400000] Kernel panic - not syncing: Fatal exception"});
    expect_verdict(v, "kernel-bug", "kernel BUG at fs/ext4/inline.c:791!", "fs/ext4/inline.c:791");
    EXPECT_EQ(v.first_log_line, "kernel BUG at fs/ext4/inline.c:791!");
    ASSERT_TRUE(v.failure_seconds);
    EXPECT_DOUBLE_EQ(*v.failure_seconds, 2.4);
}

TEST(VmConsole, KasanAndDoubleFaultAreKernelBugs) {
    for (const char* line : {"[ 5.0] BUG: KASAN: slab-use-after-free in ext4_read_inline_data+0x1c7/0x240",
                             "[ 5.0] traps: PANIC: double fault, error_code: 0x0"}) {
        auto v = verdict_of({"[ 1.0] E4I-VM: command start", line});
        EXPECT_EQ(v.verdict, "kernel-bug") << line;
    }
}

TEST(VmConsole, PanicWithoutBugIsPanicAndBeforeTheCommandBootFailed) {
    auto v = verdict_of({"[ 1.0] E4I-VM: command start",
                         "[ 2.0] Kernel panic - not syncing: Out of memory and no killable processes..."});
    expect_verdict(v, "panic", "Kernel panic - not syncing: Out of memory and no killable processes...", "");
    v = verdict_of({"[ 0.5] Kernel panic - not syncing: VFS: Unable to mount root fs"});
    EXPECT_EQ(v.verdict, "boot-failed");
    EXPECT_EQ(v.log_line, "Kernel panic - not syncing: VFS: Unable to mount root fs");
}

TEST(VmConsole, KilledGuestsAreHangOrBootTimeout) {
    for (auto killed : {GuestKilled::command, GuestKilled::boot}) {
        auto v = verdict_of({"E4I-VM: kernel 6.1 up", "[ 1.0] E4I-VM: command start",
                             "[ 130.0] INFO: task e4inline:402 blocked for more than 120 seconds."},
                            killed);
        EXPECT_EQ(v.verdict, "hang");
        EXPECT_EQ(v.log_line, "INFO: task e4inline:402 blocked for more than 120 seconds.");
    }
    EXPECT_EQ(verdict_of({"[ 0.1] Linux version 6.1"}, GuestKilled::boot).verdict, "boot-timeout");
    EXPECT_EQ(verdict_of({"[ 1.0] E4I-VM: command start"}).verdict, "vm-error");
    auto v = verdict_of({"[ 0.1] Linux version 6.1", "[ 0.2] Run /init as init process", ""});
    EXPECT_EQ(v.verdict, "boot-failed");
    EXPECT_EQ(v.log_line, "Run /init as init process");
}

TEST(VmConsole, StarvedVcpuLinesAreLeftOut) {
    auto v = verdict_of({"[ 3.0] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [swapper/0:1]",
                         "[ 4.0] rcu: INFO: rcu_preempt self-detected stall on CPU", "[ 5.0] E4I-VM: command start",
                         "E4I-VM: done rc=0"});
    EXPECT_EQ(v.verdict, "completed");
    EXPECT_EQ(v.first_log_line, "");
}

TEST(VmConsole, WarningInACompletedRunIsTheLogLineWithItsWhere) {
    auto v = verdict_of({"[ 10.0] E4I-VM: command start", "[ 34.0] ------------[ cut here ]------------",
                         "[ 34.0] WARNING: CPU: 0 PID: 919 at fs/ext4/inode.c:3572 ext4_dirty_folio+0x23/0x40",
                         "[ 34.1] ---[ end trace 0000000000000000 ]---", "E4I-VM: done rc=4"});
    expect_verdict(v, "completed", "WARNING: CPU: 0 PID: 919 at fs/ext4/inode.c:3572 ext4_dirty_folio+0x23/0x40",
                   "fs/ext4/inode.c:3572");
    ASSERT_TRUE(v.failure_seconds);
    EXPECT_DOUBLE_EQ(*v.failure_seconds, 24);
}
