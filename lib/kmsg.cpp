// Reading /dev/kmsg: each read() returns one record "prio,seq,usec,flags;text\n"
// followed by " KEY=value" continuation lines; EAGAIN means the end of the log and
// EPIPE that records were overwritten before we read them (the next read resumes).
#include "e4inline/kmsg.hpp"
#include "e4inlineP.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

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
    if (starts("kernel BUG at") || starts("BUG: ") || starts("watchdog: BUG: ") || starts("general protection fault"))
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

std::vector<KernelLogFinding> scan_kernel_log(std::string_view text) {
    KernelLogScanner scanner;
    std::vector<KernelLogFinding> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        // dmesg's time stamp: "[   12.345678] "
        if (line.starts_with('[')) {
            auto close = line.find("] ");
            if (close != std::string_view::npos &&
                line.substr(1, close - 1).find_first_not_of(" 0123456789.") == std::string_view::npos)
                line.remove_prefix(close + 2);
        }
        if (auto f = scanner.feed(line))
            out.push_back(std::move(*f));
    }
    if (auto f = scanner.finish())
        out.push_back(std::move(*f));
    return out;
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
        return std::unexpected(errno_error(errno, "opening", "/dev/kmsg"));
    if (::lseek(fd.get(), 0, SEEK_END) < 0)
        return std::unexpected(errno_error(errno, "seeking to the end of", "/dev/kmsg"));
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
