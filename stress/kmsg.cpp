// Reading /dev/kmsg: each read() returns one record "prio,seq,usec,flags;text\n"
// followed by " KEY=value" continuation lines; EAGAIN means the end of the log and
// EPIPE that records were overwritten before we read them (the next read resumes).
#include "stress/kmsg.hpp"
#include "lib/e4inlineP.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace e4inline {

std::optional<std::string> classify_kernel_message(std::string_view m) {
    auto starts = [&](std::string_view s) { return m.starts_with(s); };
    auto has = [&](std::string_view s) { return m.find(s) != std::string_view::npos; };
    // Anchored at the start of the message: call-trace lines name functions such as
    // lockdep_hardirqs_on or report_bug, and an oops line lists "KASAN" among the
    // kernel's features; neither is a finding.
    if (starts("Kernel panic - not syncing"))
        return "panic";
    if (starts("BUG: KASAN:") || starts("KASAN:"))
        return "KASAN";
    if (starts("UBSAN: "))
        return "UBSAN";
    // x86's double fault handler says "PANIC: double fault" before its oops
    // (arch/x86/kernel/traps.c exc_double_fault); older oopses lack the "Oops: ".
    if (starts("kernel BUG at") || starts("BUG: ") || starts("watchdog: BUG: ") || starts("general protection fault") ||
        starts("PANIC: double fault") || starts("traps: PANIC: double fault") || starts("double fault"))
        return "BUG";
    if (starts("Oops: ") || starts("invalid opcode: "))
        return "Oops";
    if (starts("INFO: task ") && has(" blocked for more than "))
        return "hung task";
    if (starts("INFO: possible ") || (starts("WARNING: ") && !starts("WARNING: CPU:") && !starts("WARNING: at ") &&
                                      (has("lock") || has("RCU"))))
        return "lockdep";
    if (starts("WARNING: "))
        return "WARNING";
    if (starts("EXT4-fs error"))
        return "EXT4-fs error";
    // jbd2_journal_abort (fs/jbd2/journal.c) and a failed checksum that ext4 or jbd2
    // report without going through ext4_error ("JBD2: Invalid checksum recovering ...",
    // "EXT4-fs (vda): ext4_check_descriptors: Checksum for group 0 failed").
    if (starts("Aborting journal on device"))
        return "journal abort";
    if ((starts("JBD2: ") || starts("EXT4-fs")) && (has("checksum") || has("Checksum")) &&
        (has("fail") || has("nvalid") || has("mismatch") || has("bad")))
        return "checksum";
    return std::nullopt;
}

namespace {

bool is_report_frame(std::string_view m) { return m.find("[ cut here ]") != std::string_view::npos; }

// Where a report ends: the end of its call trace, the oops end marker, or the row of
// '=' that closes a KASAN report and opens a lockdep or KASAN one.
bool is_report_end(std::string_view m) {
    auto t = m;
    while (!t.empty() && t.front() == ' ')
        t.remove_prefix(1);
    return t.starts_with("</TASK>") || t.starts_with("---[ end trace") ||
           (t.size() >= 20 && t.find_first_not_of('=') == std::string_view::npos);
}

}  // namespace

std::optional<KernelLogFinding> KernelLogScanner::close_report() {
    std::optional<KernelLogFinding> out;
    if (state_ == State::framed && !first_line_.empty())
        out = KernelLogFinding{"WARNING", first_line_};
    state_ = State::outside;
    first_line_.clear();
    return out;
}

std::optional<KernelLogFinding> KernelLogScanner::feed(std::string_view m) {
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r'))
        m.remove_suffix(1);
    if (is_report_frame(m)) {
        auto pending = close_report();
        state_ = State::framed;
        return pending;
    }
    if (is_report_end(m))
        return close_report();
    auto kind = classify_kernel_message(m);
    if (!kind) {
        if (state_ == State::framed && first_line_.empty() && m.find_first_not_of(' ') != std::string_view::npos)
            first_line_ = m;
        return std::nullopt;
    }
    if (*kind == "EXT4-fs error")
        return KernelLogFinding{*kind, std::string(m)};
    if (*kind == "panic" && fatal_reported_ && m.find("Fatal exception") != std::string_view::npos)
        return std::nullopt;
    if (state_ == State::reported)
        return std::nullopt;
    state_ = State::reported;
    first_line_.clear();
    fatal_reported_ = *kind == "BUG" || *kind == "Oops" || *kind == "KASAN";
    return KernelLogFinding{*kind, std::string(m)};
}

std::optional<KernelLogFinding> KernelLogScanner::finish() { return close_report(); }

std::string_view strip_printk_time(std::string_view line, double* seconds) {
    if (!line.starts_with('['))
        return line;
    auto close = line.find("] ");
    if (close == std::string_view::npos ||
        line.substr(1, close - 1).find_first_not_of(" 0123456789.") != std::string_view::npos)
        return line;
    if (seconds) {
        auto t = line.substr(1, close - 1);
        while (!t.empty() && t.front() == ' ')
            t.remove_prefix(1);
        *seconds = std::strtod(std::string(t).c_str(), nullptr);
    }
    return line.substr(close + 2);
}

std::vector<KernelLogFinding> scan_kernel_log(std::string_view text) {
    KernelLogScanner scanner;
    std::vector<KernelLogFinding> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (auto f = scanner.feed(strip_printk_time(line)))
            out.push_back(std::move(*f));
    }
    if (auto f = scanner.finish())
        out.push_back(std::move(*f));
    return out;
}

namespace {

// A soft lockup or RCU stall report: the watchdogs of a vCPU the host did not run.
bool is_starved_vcpu(const std::string& m) {
    static const std::regex starved(
        R"(BUG: soft lockup|rcu: INFO: rcu_[a-z]* (self-)?detected stall|rcu_[a-z]* detected stalls)");
    return std::regex_search(m, starved);
}

// FILE:LINE after the last " at " followed by one ("kernel BUG at
// fs/ext4/inline.c:793!", "WARNING: CPU: 0 PID: 9 at fs/ext4/inode.c:3572 f+0x1/0x2").
std::string where_of(const std::string& line) {
    static const std::regex where(R"(.* at ([^ ]*:[0-9]+))");
    std::smatch m;
    return std::regex_search(line, m, where) ? m[1].str() : std::string();
}

bool is_crash(const std::string& kind) { return kind == "BUG" || kind == "Oops" || kind == "KASAN"; }

}  // namespace

ConsoleVerdict classify_vm_console(std::string_view console, GuestKilled killed) {
    ConsoleVerdict v;
    KernelLogScanner scanner;
    bool started = false, completed = false;
    std::optional<double> start_time;
    std::string bug_line, panic_line, last_line;
    auto finding = [&](std::optional<KernelLogFinding> f, bool stamped, double t) {
        if (!f)
            return;
        if (v.first_log_line.empty())
            v.first_log_line = f->line;
        if (start_time && stamped && !v.failure_seconds)
            v.failure_seconds = std::round((t - *start_time) * 10) / 10;
    };
    while (!console.empty()) {
        auto nl = console.find('\n');
        std::string raw(console.substr(0, nl));
        console = nl == std::string_view::npos ? std::string_view{} : console.substr(nl + 1);
        std::erase(raw, '\r');
        if (is_starved_vcpu(raw))
            continue;
        double t = 0;
        const auto line = strip_printk_time(raw, &t);
        const bool stamped = line.size() != raw.size();
        if (raw.starts_with("E4I-VM: kernel ") && raw.ends_with(" up") && v.console_kernel.empty())
            v.console_kernel = raw.substr(15, raw.size() - 18);
        if (raw.starts_with("E4I-VM: done rc=") && raw.size() > 16 &&
            raw.find_first_not_of("0123456789", 16) == std::string::npos)
            completed = true;
        if (!started && raw.find("E4I-VM: command start") != std::string::npos) {
            started = true;
            if (stamped)
                start_time = t;
            continue;
        }
        if (line.find_first_not_of(" \t") != std::string_view::npos)
            last_line = line;
        if (auto kind = classify_kernel_message(line)) {
            if (is_crash(*kind) && bug_line.empty())
                bug_line = line;
            if (*kind == "panic" && panic_line.empty())
                panic_line = line;
        }
        finding(scanner.feed(line), stamped, t);
    }
    finding(scanner.finish(), false, 0);
    if (completed) {
        // The guest ran the command to the end: what it logged did not stop it
        // (oops=panic makes every oops fatal); the log line shows it.
        v.verdict = "completed";
        v.log_line = v.first_log_line;
    } else if (!bug_line.empty() || !panic_line.empty()) {
        v.verdict = !started ? "boot-failed" : !bug_line.empty() ? "kernel-bug" : "panic";
        v.log_line = bug_line.empty() ? panic_line : bug_line;
    } else if (killed == GuestKilled::command || (killed == GuestKilled::boot && started)) {
        v.verdict = "hang";
        v.log_line = v.first_log_line;
    } else if (killed == GuestKilled::boot) {
        v.verdict = "boot-timeout";
    } else if (!started) {
        // The guest stopped before the command: the kernel or its init gave up.
        v.verdict = "boot-failed";
        v.log_line = last_line;
    } else {
        v.verdict = "vm-error";
    }
    v.log_where = where_of(v.log_line);
    return v;
}

bool kernel_message_concerns_other_device(std::string_view m, std::string_view device) {
    if (device.empty())
        return false;
    auto at = m.find("(device ");
    if (at == std::string_view::npos)
        return false;
    auto name = m.substr(at + 8);
    name = name.substr(0, name.find(')'));
    return name != device;
}

Result<KernelLog> KernelLog::open_from_now(std::string device) {
    UniqueFd fd(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd)
        return unexpected(errno_error(errno, "opening", "/dev/kmsg"));
    if (::lseek(fd.get(), 0, SEEK_END) < 0)
        return unexpected(errno_error(errno, "seeking to the end of", "/dev/kmsg"));
    return KernelLog(fd.release(), std::move(device));
}

KernelLog::KernelLog(KernelLog&& other) noexcept
    : fd_(other.fd_), device_(std::move(other.device_)), scanner_(other.scanner_) {
    other.fd_ = -1;
}

KernelLog::~KernelLog() {
    if (fd_ >= 0)
        ::close(fd_);
}

std::vector<KernelLogFinding> KernelLog::read_findings(bool at_end) {
    std::vector<KernelLogFinding> out;
    char record[8192];
    for (;;) {
        ssize_t n = ::read(fd_, record, sizeof record - 1);
        if (n < 0) {
            if (errno == EPIPE || errno == EINTR)
                continue;
            break;  // EAGAIN: caught up
        }
        std::string_view r(record, static_cast<std::size_t>(n));
        auto semi = r.find(';');
        if (semi == std::string_view::npos)
            continue;
        auto text = r.substr(semi + 1);
        text = text.substr(0, text.find('\n'));
        if (kernel_message_concerns_other_device(text, device_))
            continue;
        if (auto f = scanner_.feed(text))
            out.push_back(std::move(*f));
    }
    // Otherwise a report still open stays open: its meaningful line may come with the next read.
    if (at_end)
        if (auto f = scanner_.finish())
            out.push_back(std::move(*f));
    return out;
}

}  // namespace e4inline
