// The kernel log as a source of findings: a reader of /dev/kmsg that starts at the
// end of the log (so only what a run provokes is seen) and a classifier for the
// lines that matter to inline-data races: BUG, WARNING, EXT4-fs error, lockdep, KASAN.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "e4inline/error.hpp"

namespace e4inline {

struct KernelLogFinding {
    std::string kind;  // "BUG", "Oops", "panic", "WARNING", "EXT4-fs error", "lockdep", "KASAN"
    std::string line;  // the message text, without the /dev/kmsg record prefix
};

// The kind of a kernel message, or nothing when it is not a finding.
std::optional<std::string> classify_kernel_message(std::string_view message);

// ext4 names the device in its messages ("EXT4-fs error (device loop3): ..."); a
// message about another device is someone else's filesystem on a shared kernel.
bool kernel_message_concerns_other_device(std::string_view message, std::string_view device);

class KernelLog {
public:
    // Opens /dev/kmsg positioned after the last record already logged. `device` (e.g.
    // "loop3", "vda") filters ext4 messages naming another device; empty keeps all.
    static Result<KernelLog> open_from_now(std::string device = {});
    KernelLog(KernelLog&& other) noexcept;
    KernelLog& operator=(KernelLog&&) = delete;
    ~KernelLog();

    // Every finding logged since open (or since the last call), without blocking.
    std::vector<KernelLogFinding> read_findings();

private:
    KernelLog(int fd, std::string device) : fd_(fd), device_(std::move(device)) {}
    int fd_ = -1;
    std::string device_;
};

}  // namespace e4inline
