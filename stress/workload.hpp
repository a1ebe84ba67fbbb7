// Internal to the stress feature (not installed): what a workload sees, the known
// content writers put down, and the filesystem-filling that makes block allocation
// fail for shapes A, B and D.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stress/stress.hpp"

namespace e4inline::stress {

// Known content: byte `off` of generation `gen` written by a writer of class `cls`.
// Each class has its own alphabet, so a byte in the file tells who could have put it
// there; a zero or a byte from no alphabet is a lost or torn write.
enum class Writer : int { initial = 0, buffered = 1, mapped = 2, other = 3 };
char known_byte(Writer cls, std::uint64_t seed, std::uint64_t gen, std::uint64_t off);
std::string known_bytes(Writer cls, std::uint64_t seed, std::uint64_t gen, std::uint64_t off, std::size_t len);
bool byte_from(Writer cls, char c);

// A file and the content it must hold.
struct KnownFile {
    std::string name;             // relative to the work directory
    std::string content;
    // It grew past the inline capacity, so the disk must hold it as an extent file:
    // the kernel converts at writeback (with delalloc FS_IOC_GETFLAGS still says
    // inline until then) and never makes an extent file inline again.
    bool converted = false;
};

struct Context {
    std::string mountpoint;
    std::string device;           // the block device holding the mountpoint (for the disk check)
    std::string dir;              // absolute work directory
    std::string rel_dir;          // the same, relative to the mountpoint ("/e4inline-stress")
    unsigned threads = 2;
    std::uint64_t seed = 1;
    std::uint64_t iterations_wanted = 0;
    std::size_t capacity = 0;     // inline capacity of a new inode, probed (probe_inline_capacity)
    std::chrono::steady_clock::time_point deadline{};
    bool has_deadline = false;

    std::atomic<std::uint64_t> operations{0};
    std::atomic<std::uint64_t> expected_errors{0};
    std::atomic<std::uint64_t> not_inline{0};    // files meant to be inline that were not
    std::atomic<std::uint64_t> disk_checks{0};   // files whose content was read from the disk

    std::mutex lock;              // guards the vectors below
    std::vector<StressMismatch> mismatches;
    std::vector<StressFileExpectation> files;

    bool time_left() const;
    std::string path(const std::string& name) const { return dir + "/" + name; }
    std::string rel(const std::string& name) const { return rel_dir + "/" + name; }
    void mismatch(const std::string& name, std::uint64_t offset, std::string detail);
    bool has_mismatch(const std::string& name);
    // Read `name` back through the page cache (a fresh descriptor, read() of 4096
    // bytes at a time) and compare it with `want` exactly; records the first
    // differing offset.
    bool check_exact(const std::string& name, std::string_view want);
    // Compare what was read from `where` ("page cache", "disk") with `want`; records
    // the first differing offset or the size.
    bool compare(const std::string& name, std::string_view got, std::string_view want, std::string_view where);
    // What reached the disk: freeze the filesystem (FIFREEZE syncs, flushes delalloc
    // and checkpoints the journal), read each file from the device with O_DIRECT,
    // thaw, compare with the content it must hold. A mismatch names the file and the
    // first differing offset; an Error is an operational failure (not root, freeze).
    Result<void> check_on_disk(const std::vector<KnownFile>& files);
    // Record `content` as what `name` must hold after the run (the report's "files",
    // which e4inline-vm compares with the unmounted image). Called whether or not the
    // workload's own check passed: a lost write then shows on the image too.
    void expect_final(const std::string& name, std::string_view content);
    // The workload no longer knows what `name` (or everything under `name` + "/") holds.
    void forget(const std::string& name);
    // Remove a file of an earlier iteration that passed, so a long run does not fill
    // the filesystem; the file of an iteration that found something stays as evidence
    // (the first kMaxKeptEvidence of them).
    void retire(const std::string& name);
    static constexpr std::uint64_t kMaxKeptEvidence = 64;
    std::atomic<std::uint64_t> kept_evidence{0};
};

// Whether the kernel stores `path` inline now (FS_IOC_GETFLAGS, EXT4_INLINE_DATA_FL).
Result<bool> is_inline(const std::string& path);

// The inline capacity of a new inode in `dir`: the largest size that a single write
// into a new empty file still stores inline, found by writing probe files (the
// kernel's ext4_get_max_inline_size decides, whatever the inode size, i_extra_isize
// or in-inode xattrs of a new inode). 0 when small files are not stored inline.
Result<std::size_t> probe_inline_capacity(const std::string& dir);

// One iteration of a workload: sets up its files, runs its threads, checks the result.
using IterationFn = Result<void> (*)(Context& ctx, std::uint64_t iteration);

// The one registry of workloads: what stress --list and --help show, what refusal
// reads (can_crash_kernel), and the function that runs an iteration.
struct WorkloadRecord {
    WorkloadInfo info;
    IterationFn iteration;
};
std::span<const WorkloadRecord> workload_records();
const WorkloadRecord* find_workload_record(std::string_view name);

// Makes block allocation fail on the filesystem of ctx.dir until destroyed. For now
// by filling it with one preallocated file; `e4inline craft bitmap-full` can replace
// this (same interface) once the verify feature has it.
class FailingAllocation {
public:
    static Result<FailingAllocation> make(const std::string& dir);
    FailingAllocation(FailingAllocation&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    FailingAllocation& operator=(FailingAllocation&&) = delete;
    ~FailingAllocation();
private:
    explicit FailingAllocation(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace e4inline::stress
