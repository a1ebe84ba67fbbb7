// Internal to the stress feature (not installed): what a workload sees, the known
// content writers put down, and the filesystem-filling that makes block allocation
// fail for shapes A, B and D.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "e4inline/stress.hpp"

namespace e4inline::stress {

// Known content: byte `off` of generation `gen` written by a writer of class `cls`.
// Each class has its own alphabet, so a byte in the file tells who could have put it
// there; a zero or a byte from no alphabet is a lost or torn write.
enum class Writer : int { initial = 0, buffered = 1, mapped = 2, other = 3 };
char known_byte(Writer cls, std::uint64_t seed, std::uint64_t gen, std::uint64_t off);
std::string known_bytes(Writer cls, std::uint64_t seed, std::uint64_t gen, std::uint64_t off, std::size_t len);
bool byte_from(Writer cls, char c);

struct Context {
    std::string mountpoint;
    std::string dir;              // absolute work directory
    std::string rel_dir;          // the same, relative to the mountpoint ("/e4inline-stress")
    unsigned threads = 2;
    std::uint64_t seed = 1;
    std::uint64_t iterations_wanted = 0;
    std::chrono::steady_clock::time_point deadline{};
    bool has_deadline = false;

    std::atomic<std::uint64_t> operations{0};
    std::atomic<std::uint64_t> expected_errors{0};

    std::mutex lock;              // guards the vectors below
    std::vector<StressMismatch> mismatches;
    std::vector<StressFileExpectation> files;

    bool time_left() const;
    std::string path(const std::string& name) const { return dir + "/" + name; }
    std::string rel(const std::string& name) const { return rel_dir + "/" + name; }
    void mismatch(const std::string& name, std::uint64_t offset, std::string detail);
    // Read `name` back through the page cache (a fresh descriptor) and compare it with
    // `want` exactly; records the first differing offset.
    bool check_exact(const std::string& name, std::string_view want);
    // Record `content` as what `name` must hold after the run.
    void expect_final(const std::string& name, std::string_view content);
};

// One iteration of a workload: sets up its files, runs its threads, checks the result.
using IterationFn = Result<void> (*)(Context& ctx, std::uint64_t iteration);
IterationFn workload_iteration(std::string_view name);

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
