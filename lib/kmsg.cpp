// Reading /dev/kmsg: each read() returns one record "prio,seq,usec,flags;text\n"
// followed by " KEY=value" continuation lines; EAGAIN means the end of the log and
// EPIPE that records were overwritten before we read them (the next read resumes).
#include "e4inline/kmsg.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace e4inline {

std::optional<std::string> classify_kernel_message(std::string_view m) {
    auto has = [&](std::string_view s) { return m.find(s) != std::string_view::npos; };
    if (has("Kernel panic"))
        return "panic";
    if (has("KASAN"))
        return "KASAN";
    if (has("kernel BUG at") || has("BUG: ") || has("general protection fault"))
        return "BUG";
    if (has("Oops"))
        return "Oops";
    if (has("possible circular locking dependency") || has("possible recursive locking") ||
        has("inconsistent lock state") || has("lockdep") || has("suspicious RCU usage"))
        return "lockdep";
    if (has("EXT4-fs error"))
        return "EXT4-fs error";
    if (m.starts_with("WARNING:") || has("] WARNING:") || has("------------[ cut here ]"))
        return "WARNING";
    return std::nullopt;
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
    int fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return std::unexpected(errno_error(errno, "opening", "/dev/kmsg"));
    if (::lseek(fd, 0, SEEK_END) < 0) {
        int err = errno;
        ::close(fd);
        return std::unexpected(errno_error(err, "seeking to the end of", "/dev/kmsg"));
    }
    return KernelLog(fd, std::move(device));
}

KernelLog::KernelLog(KernelLog&& other) noexcept : fd_(other.fd_), device_(std::move(other.device_)) {
    other.fd_ = -1;
}

KernelLog::~KernelLog() {
    if (fd_ >= 0)
        ::close(fd_);
}

std::vector<KernelLogFinding> KernelLog::read_findings() {
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
        if (auto kind = classify_kernel_message(text))
            out.push_back({*kind, std::string(text)});
    }
    return out;
}

}  // namespace e4inline
