// The kernel log as a source of findings: a reader of /dev/kmsg that starts at the
// end of the log (so only what a run provokes is seen) and a classifier for the
// lines that matter to inline-data races: BUG, WARNING, EXT4-fs error, lockdep, KASAN,
// one finding per kernel report.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "e4inline/error.hpp"

namespace e4inline {

struct KernelLogFinding {
    // "BUG", "Oops", "panic", "WARNING", "EXT4-fs error", "lockdep", "KASAN", "UBSAN",
    // "hung task", "journal abort", "checksum"
    std::string kind;
    // The line that says what and where: "kernel BUG at fs/ext4/inline.c:793!",
    // "WARNING: CPU: 0 PID: 9 at fs/ext4/inode.c:3663 ext4_dirty_folio+0x5c/0x70", the
    // first "BUG:", "BUG: KASAN:", lockdep or "EXT4-fs error" line; never a report's
    // frame ("------------[ cut here ]------------"), without the /dev/kmsg prefix.
    std::string line;
};

// The kind of one kernel message, or nothing when it is not a finding by itself
// ("cut here", a register dump, a call trace line are not).
std::optional<std::string> classify_kernel_message(std::string_view message);

// ext4 names the device in its messages ("EXT4-fs error (device loop3): ..."); a
// message about another device is someone else's filesystem on a shared kernel.
bool kernel_message_concerns_other_device(std::string_view message, std::string_view device);

// The kernel prints a WARN, BUG, oops, KASAN or lockdep report as many lines
// (kernel/panic.c __warn, lib/bug.c report_bug, mm/kasan/report.c,
// kernel/locking/lockdep.c): a frame ("------------[ cut here ]------------", a row of
// '='), the line that names the problem, then modules, registers and a call trace, up
// to "</TASK>" or "---[ end trace ... ]---". The scanner reads messages in order and
// gives one finding per report, its meaningful line; lines inside the report that
// would be findings alone (the "Oops:" after "kernel BUG at", "KASAN: null-ptr-deref"
// after a general protection fault) belong to it. "EXT4-fs error" lines are one
// finding each.
class KernelLogScanner {
public:
    // One message; the finding it starts, if any.
    std::optional<KernelLogFinding> feed(std::string_view message);
    // The log ended (or was read up to now): a report framed by "cut here" whose
    // meaningful line never came is reported by its first line.
    std::optional<KernelLogFinding> finish();

private:
    std::optional<KernelLogFinding> close_report();
    enum class State { outside, framed, reported };
    State state_ = State::outside;
    std::string first_line_;       // the first line after "cut here"
    bool fatal_reported_ = false;  // an oops was reported: its "Kernel panic ... Fatal exception" is part of it
};

// A line without dmesg's or the console's "[   12.345678] " time stamp; with `seconds`,
// the stamp's value is stored there (left as it was when the line has none).
std::string_view strip_printk_time(std::string_view line, double* seconds = nullptr);

// The findings in a kernel log as text (dmesg, a console log): one message a line,
// with or without dmesg's "[   12.345678] " time stamp.
std::vector<KernelLogFinding> scan_kernel_log(std::string_view text);

// The verdict on an e4inline-vm guest from its serial console log. The guest's init
// prints "E4I-VM: kernel REL up", "E4I-VM: command start" (through /dev/kmsg, so
// time-stamped) and "E4I-VM: done rc=N"; `killed` says whether the host killed qemu
// during the boot allowance, after the command's timeout, or not at all.
enum class GuestKilled { no, boot, command };
struct ConsoleVerdict {
    // completed, kernel-bug, panic, hang, boot-timeout, boot-failed or vm-error
    std::string verdict;
    std::string console_kernel;   // from "E4I-VM: kernel REL up"; empty when never printed
    std::string log_line;         // the line behind the verdict (the BUG, the panic, ...)
    std::string log_where;        // FILE:LINE of log_line, when it names one
    std::string first_log_line;   // the first finding of the log, wherever it is
    std::optional<double> failure_seconds;  // command start to the first finding after it, 0.1 s
};
// Lines of a starved vCPU (a soft lockup, an RCU stall) say nothing about the kernel
// under TCG on a loaded host and are left out.
ConsoleVerdict classify_vm_console(std::string_view console, GuestKilled killed);

class KernelLog {
public:
    // Opens /dev/kmsg positioned after the last record already logged. `device` (e.g.
    // "loop3", "vda") filters ext4 messages naming another device; empty keeps all.
    static Result<KernelLog> open_from_now(std::string device = {});
    KernelLog(KernelLog&& other) noexcept;
    KernelLog& operator=(KernelLog&&) = delete;
    ~KernelLog();

    // Every finding logged since open (or since the last call), without blocking.
    // With `at_end`, a report still open is closed (KernelLogScanner::finish).
    std::vector<KernelLogFinding> read_findings(bool at_end = false);

private:
    KernelLog(int fd, std::string device) : fd_(fd), device_(std::move(device)) {}
    int fd_ = -1;
    std::string device_;
    KernelLogScanner scanner_;
};

}  // namespace e4inline
