// Inline-data race workloads: the reproducer shapes A-G of the kernel bugs around
// ext4_page_mkwrite's unlocked conversion, and safe workloads that only check data
// integrity. Every writer writes content whose final state is known (or one of a
// known set), so that lost or torn writes are found and not only crashes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernel/crosscheck.hpp"
#include "e4inline/error.hpp"
#include "stress/kmsg.hpp"

namespace e4inline {

struct StressOptions {
    std::string mountpoint;       // a mounted ext4 with inline_data; work goes in a subdirectory
    std::string workload;
    unsigned threads = 2;
    double duration = 0;          // seconds; 0 = bounded by iterations only
    std::uint64_t iterations = 0; // 0 with duration 0 means the default, 20
    std::uint64_t seed = 1;
    bool in_vm = false;           // --in-vm: the caller vouches for a throwaway kernel
    bool clean = false;           // remove the work directory afterwards
    bool stop_on_failure = false; // end after the iteration that found something
    // Run on an ext4 without inline data too (refused otherwise), with the sizes of
    // 256-byte inodes: the control run, where a finding of the inline path must vanish.
    bool control = false;
};

struct StressMismatch {
    std::string file;             // relative to the mountpoint, starting with '/'
    std::uint64_t offset = 0;
    std::string detail;
};

// What a file must contain after the run, for a check on the unmounted image
// (`e4inline cat IMAGE PATH | cksum` prints "CKSUM SIZE").
struct StressFileExpectation {
    std::string file;
    std::uint64_t size = 0;
    std::uint32_t cksum = 0;      // POSIX cksum(1) CRC of the content
};

// The post-workload cross-check (e4inline::crosscheck on the work directory, the
// page cache against the disk under a freeze, after the workload's threads ended):
// whether it ran, and what it said.
struct StressCrossCheck {
    bool ran = false;
    std::string status;           // "equal", "mismatch", or "error" (then `error` says why)
    std::string error;
    CrosscheckReport report;      // what crosscheck found, when it ran
};

struct StressReport {
    std::string workload;
    bool can_crash_kernel = false;
    std::string mountpoint;
    std::string device;
    unsigned threads = 0;
    std::uint64_t seed = 0;
    std::uint64_t inline_capacity = 0;   // probed on the mounted filesystem (bytes a new inode holds inline; 0: none)
    std::uint64_t iterations = 0;
    std::uint64_t operations = 0;
    std::uint64_t expected_errors = 0;   // ENOSPC, SIGBUS... the shapes provoke on purpose
    std::uint64_t not_inline = 0;        // files a workload needed inline that the kernel did not store inline
    std::uint64_t disk_checks = 0;       // files read back from the device (frozen, O_DIRECT) during the run
    double seconds = 0;
    double first_failure_seconds = -1;   // when the first mismatch or finding was seen; -1 none
    std::vector<StressMismatch> mismatches;
    std::vector<KernelLogFinding> kernel_log;
    std::vector<StressFileExpectation> files;
    StressCrossCheck crosscheck;
    std::string verdict;                 // "ok", "mismatch", "kernel-log", "mismatch+kernel-log"
};

struct WorkloadInfo {
    std::string_view name;
    std::string_view shape;              // "A".."G" for the reproducers, "" for safe ones
    bool can_crash_kernel;
    bool needs_failing_allocation;
    std::string_view summary;
};

std::span<const WorkloadInfo> stress_workloads();
const WorkloadInfo* find_workload(std::string_view name);

// True in the guest booted by e4inline-vm (kernel command line e4inline.vm=1).
bool running_in_e4inline_vm();

// Refuses (ExitCode::not_applicable) a workload that can crash the kernel unless
// options.in_vm or running_in_e4inline_vm().
Result<StressReport> run_stress(const StressOptions& options);

nlohmann::ordered_json stress_json(const StressReport& report);
std::string stress_text(const StressReport& report);

// e4inline-vm's check of the unmounted image after a run: every file a stress
// report's "files" lists (a file listed more than once by its last entry), read from
// IMAGE through libext2fs and its "CKSUM SIZE" compared with the report's.
struct ImageCheckMismatch {
    std::string file;
    std::string expected;         // "CKSUM SIZE" as cksum(1) prints them
    std::string got;              // the same of the file on the image, or "unreadable: WHY"
};
struct ImageCheck {
    std::uint64_t files = 0;
    std::vector<ImageCheckMismatch> mismatches;
};
Result<ImageCheck> check_image_against_report(const std::string& image, const std::string& report_path);
nlohmann::ordered_json image_check_json(const ImageCheck& check);

// POSIX cksum(1): CRC-32 (poly 0x04C11DB7, MSB first) over the data, then its length.
std::uint32_t posix_cksum(std::string_view data);

}  // namespace e4inline
