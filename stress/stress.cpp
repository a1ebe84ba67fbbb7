// Running a stress workload: refuse the dangerous ones outside a throwaway kernel,
// prepare the work directory (and the failing block allocation where the shape needs
// it), run iterations until the count or the time is used up, then cross-check, read
// the kernel log and decide the verdict.
#include "stress/stress.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/core.h>

#include "lib/mountinfo.hpp"
#include "stress/workload.hpp"
#include "lib/e4inlineP.hpp"
#include "lib/text.hpp"

namespace e4inline {

namespace {

constexpr long kExt4SuperMagic = 0xEF53;
constexpr std::uint64_t kDefaultIterations = 20;
constexpr std::size_t kControlCapacity = 128;  // --control without inline data: sizes as for 256-byte inodes

// The post-workload cross-check: the kernel's view of the work directory (page
// cache, flags, FIEMAP, sizes, directory entries) against the inodes on disk, read
// while the filesystem is frozen. Called after the workload's threads have ended, so
// nothing writes during the freeze. An operational failure (not root, freeze refused)
// is reported as status "error" and does not change the verdict: the workload's own
// known-content check still stands.
StressCrossCheck post_workload_crosscheck(const std::string& mountpoint, const std::string& work_dir) {
    StressCrossCheck c;
    CrosscheckOptions co;
    co.signal_handlers = true;  // stress installs only a SIGBUS handler, the freeze guard thaws on the others
    auto report = crosscheck(mountpoint, {work_dir}, co);
    if (!report) {
        c.status = "error";
        c.error = report.error().message();
        return c;
    }
    c.ran = true;
    c.status = report->equal() ? "equal" : "mismatch";
    c.report = std::move(*report);
    return c;
}

// The cross-check in the stress report: "ran" and "status", then, when it
// ran, crosscheck --json's own document (crosscheck_json: the same keys, the
// same lossless names), else "error".
nlohmann::ordered_json crosscheck_section_json(const StressCrossCheck& c) {
    nlohmann::ordered_json j;
    j["ran"] = c.ran;
    j["status"] = c.status;
    if (!c.ran) {
        j["error"] = c.error;
        return j;
    }
    j.update(crosscheck_json(c.report));
    return j;
}

std::string crosscheck_section_text(const StressCrossCheck& c) {
    if (!c.ran)
        return fmt::format("Cross-check: not run ({})\n", c.error.empty() ? c.status : c.error);
    std::string s = fmt::format("Cross-check: {} ({} files, {} inline, {} bytes compared, frozen {:.1f} ms)\n",
                                c.status, c.report.counts.files, c.report.counts.inline_files, c.report.counts.bytes,
                                c.report.freeze_ms);
    for (const auto& m : c.report.mismatches) {
        s += fmt::format("  {} (inode {}): {}", printable(m.path), m.ino, mismatch_kind_name(m.kind));
        if (m.has_offset)
            s += fmt::format(" at {}", m.offset);
        s += fmt::format(": kernel {}, disk {}\n", printable(m.kernel), printable(m.disk));
    }
    for (const auto& w : c.report.warnings)
        s += fmt::format("  warning: {}\n", printable(w));
    return s;
}

std::string verdict_of(const StressReport& r) {
    bool data = !r.mismatches.empty() || !r.crosscheck.report.mismatches.empty();
    bool log = !r.kernel_log.empty();
    return data && log ? "mismatch+kernel-log" : data ? "mismatch" : log ? "kernel-log" : "ok";
}

}  // namespace

std::span<const WorkloadInfo> stress_workloads() {
    static const auto list = [] {
        std::vector<WorkloadInfo> v;
        for (const auto& r : stress::workload_records())
            v.push_back(r.info);
        return v;
    }();
    return list;
}

const WorkloadInfo* find_workload(std::string_view name) {
    for (const auto& w : stress_workloads())
        if (w.name == name)
            return &w;
    return nullptr;
}

bool running_in_e4inline_vm() {
    std::ifstream in("/proc/cmdline");
    std::string word;
    while (in >> word)
        if (word == "e4inline.vm=1")
            return true;
    return false;
}

std::uint32_t posix_cksum(std::string_view data) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i << 24;
            for (int k = 0; k < 8; ++k)
                c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0;
    auto feed = [&](std::uint8_t b) { crc = (crc << 8) ^ table[((crc >> 24) ^ b) & 0xFF]; };
    for (unsigned char c : data)
        feed(c);
    for (std::uint64_t n = data.size(); n; n >>= 8)
        feed(static_cast<std::uint8_t>(n & 0xFF));
    return ~crc;
}

namespace stress {

char known_byte(Writer cls, std::uint64_t seed, std::uint64_t gen, std::uint64_t off) {
    std::uint64_t h = (seed + 1) * 0x9E3779B97F4A7C15ull ^ (gen + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                      (off + 1) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    switch (cls) {
    case Writer::initial: return static_cast<char>('0' + h % 10);
    case Writer::buffered: return static_cast<char>('a' + h % 26);
    case Writer::mapped: return static_cast<char>('A' + h % 26);
    case Writer::other: return "!#$%&()*+,-.:;<=>?@[]^_{|}~"[h % 27];
    }
    return '\0';
}

std::string known_bytes(Writer cls, std::uint64_t seed, std::uint64_t gen, std::uint64_t off, std::size_t len) {
    std::string out(len, '\0');
    for (std::size_t i = 0; i < len; ++i)
        out[i] = known_byte(cls, seed, gen, off + i);
    return out;
}

bool byte_from(Writer cls, char c) {
    switch (cls) {
    case Writer::initial: return c >= '0' && c <= '9';
    case Writer::buffered: return c >= 'a' && c <= 'z';
    case Writer::mapped: return c >= 'A' && c <= 'Z';
    case Writer::other: return c != '\0' && std::string_view("!#$%&()*+,-.:;<=>?@[]^_{|}~").find(c) != std::string_view::npos;
    }
    return false;
}

bool Context::time_left() const {
    return !has_deadline || std::chrono::steady_clock::now() < deadline;
}

void Context::mismatch(const std::string& name, std::uint64_t offset, std::string detail) {
    std::lock_guard g(lock);
    mismatches.push_back({rel(name), offset, std::move(detail)});
}

bool Context::has_mismatch(const std::string& name) {
    std::lock_guard g(lock);
    const std::string file = rel(name);
    return std::ranges::any_of(mismatches, [&](const auto& m) { return m.file == file; });
}

bool Context::compare(const std::string& name, std::string_view got, std::string_view want, std::string_view where) {
    if (got == want)
        return true;
    auto diff = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
    auto off = static_cast<std::uint64_t>(diff.first - got.begin());
    if (diff.first == got.end() || diff.second == want.end())
        mismatch(name, off, fmt::format("{}: size {} where {} was written", where, got.size(), want.size()));
    else
        mismatch(name, off, fmt::format("{}: byte 0x{:02x} where 0x{:02x} was written", where,
                                        static_cast<unsigned char>(*diff.first), static_cast<unsigned char>(*diff.second)));
    return false;
}

bool Context::check_exact(const std::string& name, std::string_view want) {
    // read() of 4096 bytes, as a reader of a small file does: finding (b) of the
    // reference shows zeros to exactly this read while the writer holds the file open.
    std::string got;
    UniqueFd fd(::open(path(name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        mismatch(name, 0, "page cache: cannot be opened for reading back");
        return false;
    }
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
        got.append(buf, static_cast<std::size_t>(n));
    int err = errno;
    fd.reset();
    if (n < 0) {
        mismatch(name, got.size(), fmt::format("page cache: read failed: {}", std::strerror(err)));
        return false;
    }
    return compare(name, got, want, "page cache");
}

void Context::expect_final(const std::string& name, std::string_view content) {
    std::lock_guard g(lock);
    std::string file = rel(name);
    std::erase_if(files, [&](const auto& f) { return f.file == file; });
    files.push_back({file, content.size(), posix_cksum(content)});
}

void Context::forget(const std::string& name) {
    std::lock_guard g(lock);
    const std::string file = rel(name), under = file + "/";
    std::erase_if(files, [&](const auto& f) { return f.file == file || f.file.starts_with(under); });
}

void Context::retire(const std::string& name) {
    // Evidence is kept up to a bound, so that a long run on a kernel that fails every
    // iteration does not run out of inodes or blocks: the first failures stay.
    if (has_mismatch(name) && kept_evidence.fetch_add(1) < kMaxKeptEvidence)
        return;
    ::unlink(path(name).c_str());
    forget(name);
}

Result<bool> is_inline(const std::string& path) {
    constexpr unsigned kInlineDataFlag = 0x10000000;  // EXT4_INLINE_DATA_FL
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return unexpected(errno_error(errno, "opening", path));
    unsigned flags = 0;
    int rc = ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags);
    int err = errno;
    if (rc != 0)
        return unexpected(errno_error(err, "reading the inode flags (FS_IOC_GETFLAGS) of", path));
    return (flags & kInlineDataFlag) != 0;
}

Result<std::size_t> probe_inline_capacity(const std::string& dir) {
    // A new empty file has EXTENTS_FL; a first buffered write that fits makes it
    // inline at once (ext4_write_inline_data_end), one that does not fit leaves it an
    // extent file. So "inline after one write of N bytes" is monotonic in N.
    const std::string probe = dir + "/.capacity-probe";
    auto inline_after = [&](std::size_t n) -> Result<bool> {
        ::unlink(probe.c_str());
        UniqueFd fd(::open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
        if (!fd)
            return unexpected(errno_error(errno, "creating", probe));
        std::string bytes(n, 'c');
        ssize_t w = ::write(fd.get(), bytes.data(), n);
        int err = errno;
        fd.reset();
        // No free block (craft bitmap-full, fill): what does not fit inline cannot
        // be written at all, which answers the question too.
        if (w < 0 && err == ENOSPC)
            return false;
        if (w != static_cast<ssize_t>(n))
            return unexpected(errno_error(w < 0 ? err : EIO, "writing", probe));
        return is_inline(probe);
    };
    auto first = inline_after(1);
    if (!first || !*first) {
        ::unlink(probe.c_str());
        if (!first)
            return unexpected(first.error());
        return 0;
    }
    // Inline after lo bytes, not after hi: no inode holds a block's worth inline.
    std::size_t lo = 1, hi = 4096;
    while (hi - lo > 1) {
        std::size_t mid = lo + (hi - lo) / 2;
        auto fits = inline_after(mid);
        if (!fits) {
            ::unlink(probe.c_str());
            return unexpected(fits.error());
        }
        (*fits ? lo : hi) = mid;
    }
    ::unlink(probe.c_str());
    return lo;
}

}  // namespace stress

namespace stress {
namespace {

// The workload O asks for, if it may run here: a known name, not one that
// can crash the kernel outside a VM, on ext4.
Result<const WorkloadRecord*> admit(const StressOptions& o) {
    const WorkloadRecord* record = find_workload_record(o.workload);
    if (!record)
        return unexpected(plain_error(ExitCode::usage, "unknown workload '" + o.workload + "' (stress --list shows them)"));
    if (record->info.can_crash_kernel && !o.in_vm && !running_in_e4inline_vm())
        return unexpected(plain_error(
            ExitCode::not_applicable,
            fmt::format("workload {} can crash the kernel that runs it; run it in a throwaway VM "
                        "(e4inline-vm -- e4inline stress /mnt --workload {}) or pass --in-vm",
                        o.workload, o.workload),
            o.mountpoint));
    struct statfs sf {};
    if (::statfs(o.mountpoint.c_str(), &sf) != 0)
        return unexpected(errno_error(errno, "reading the filesystem of", o.mountpoint));
    if (sf.f_type != kExt4SuperMagic)
        return unexpected(plain_error(ExitCode::not_applicable, "not an ext4 filesystem", o.mountpoint));
    return record;
}

// The iterations, until the count or the deadline (or the first failure with
// --stop-on-failure), reading the kernel log after each so that the first
// failure is timed from START.
Result<void> run_iterations(Context& ctx, const WorkloadRecord& record, const StressOptions& o, KernelLog& klog,
                            std::chrono::steady_clock::time_point start, StressReport& r) {
    std::optional<FailingAllocation> failing;
    if (record.info.needs_failing_allocation)
        failing.emplace(E4I_TRY(FailingAllocation::make(ctx.dir)));
    auto iteration = record.iteration;
    while ((ctx.iterations_wanted == 0 || r.iterations < ctx.iterations_wanted) && ctx.time_left()) {
        E4I_TRY(iteration(ctx, r.iterations));
        ++r.iterations;
        for (auto& f : klog.read_findings())
            r.kernel_log.push_back(std::move(f));
        if (r.first_failure_seconds < 0 && (!r.kernel_log.empty() || !ctx.mismatches.empty()))
            r.first_failure_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (o.stop_on_failure && r.first_failure_seconds >= 0)
            break;
    }
    return {};
}

}  // namespace
}  // namespace stress

Result<StressReport> run_stress(const StressOptions& o) {
    const stress::WorkloadRecord* record = E4I_TRY(stress::admit(o));
    const WorkloadInfo* info = &record->info;

    stress::Context ctx;
    ctx.mountpoint = o.mountpoint;
    ctx.rel_dir = "/e4inline-stress";
    ctx.dir = o.mountpoint + ctx.rel_dir;
    ctx.threads = std::max(1u, o.threads);
    ctx.seed = o.seed;
    ctx.iterations_wanted = o.iterations ? o.iterations : (o.duration > 0 ? 0 : kDefaultIterations);
    auto start = std::chrono::steady_clock::now();
    if (o.duration > 0) {
        ctx.has_deadline = true;
        ctx.deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(o.duration));
    }
    std::error_code ec;
    std::filesystem::remove_all(ctx.dir, ec);
    if (::mkdir(ctx.dir.c_str(), 0755) != 0)
        return unexpected(errno_error(errno, "creating", ctx.dir));

    ctx.capacity = E4I_TRY(stress::probe_inline_capacity(ctx.dir));
    const std::size_t probed_capacity = ctx.capacity;
    if (ctx.capacity == 0 && o.control)
        ctx.capacity = kControlCapacity;
    if (ctx.capacity == 0) {
        std::filesystem::remove(ctx.dir, ec);
        return unexpected(plain_error(ExitCode::not_applicable,
                                           "small files are not stored inline (no inline_data feature?); "
                                           "--control runs the workload anyway",
                                           o.mountpoint));
    }

    StressReport r;
    r.workload = o.workload;
    r.can_crash_kernel = info->can_crash_kernel;
    r.mountpoint = o.mountpoint;
    // ext4 names the device in its messages by the mount source's last component
    // ("/dev/loop3" -> "loop3"); the disk check reads the device node itself.
    // Neither is needed by every workload: a failure to find them shows when used.
    if (auto mount = find_mount(o.mountpoint)) {
        r.device = mount->source.substr(mount->source.find_last_of('/') + 1);
        ctx.device = mount_device(*mount).value_or("");
    }
    r.inline_capacity = probed_capacity;
    r.threads = ctx.threads;
    r.seed = o.seed;
    auto klog = E4I_TRY(KernelLog::open_from_now(r.device));

    E4I_TRY(stress::run_iterations(ctx, *record, o, klog, start, r));
    if (const UniqueFd dirfd(::open(ctx.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dirfd)
        ::syncfs(dirfd.get());
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.operations = ctx.operations.load();
    r.expected_errors = ctx.expected_errors.load();
    r.not_inline = ctx.not_inline.load();
    r.disk_checks = ctx.disk_checks.load();
    r.mismatches = std::move(ctx.mismatches);
    r.files = std::move(ctx.files);
    std::ranges::sort(r.files, {}, &StressFileExpectation::file);
    r.crosscheck = post_workload_crosscheck(o.mountpoint, ctx.rel_dir);
    for (auto& f : klog.read_findings(true))
        r.kernel_log.push_back(std::move(f));
    if (r.first_failure_seconds < 0 &&
        (!r.kernel_log.empty() || !r.mismatches.empty() || !r.crosscheck.report.mismatches.empty()))
        r.first_failure_seconds = r.seconds;
    r.verdict = verdict_of(r);
    if (o.clean)
        std::filesystem::remove_all(ctx.dir, ec);
    return r;
}

nlohmann::ordered_json stress_json(const StressReport& r) {
    nlohmann::ordered_json j;
    j["workload"] = r.workload;
    j["can_crash_kernel"] = r.can_crash_kernel;
    put_name(j, "mountpoint", r.mountpoint);
    put_name(j, "device", r.device);
    j["threads"] = r.threads;
    j["seed"] = r.seed;
    j["inline_capacity"] = r.inline_capacity;
    j["iterations"] = r.iterations;
    j["operations"] = r.operations;
    j["expected_errors"] = r.expected_errors;
    j["not_inline"] = r.not_inline;
    j["disk_checks"] = r.disk_checks;
    j["seconds"] = std::round(r.seconds * 1000) / 1000;
    if (r.first_failure_seconds >= 0)
        j["first_failure_seconds"] = std::round(r.first_failure_seconds * 1000) / 1000;
    else
        j["first_failure_seconds"] = nullptr;
    j["mismatches"] = nlohmann::ordered_json::array();
    for (const auto& m : r.mismatches)
        j["mismatches"].push_back({{"file", m.file}, {"offset", m.offset}, {"detail", m.detail}});
    j["kernel_log"] = nlohmann::ordered_json::array();
    for (const auto& k : r.kernel_log)
        j["kernel_log"].push_back({{"kind", k.kind}, {"line", k.line}});
    j["crosscheck"] = crosscheck_section_json(r.crosscheck);
    j["files"] = nlohmann::ordered_json::array();
    for (const auto& f : r.files)
        j["files"].push_back({{"file", f.file}, {"size", f.size}, {"cksum", f.cksum}});
    j["verdict"] = r.verdict;
    return j;
}

std::string stress_text(const StressReport& r) {
    std::string s = fmt::format("Workload: {}{}\nInline capacity: {} bytes\n"
                                "Iterations: {} ({} operations, {} expected errors) in {:.1f}s\n",
                                r.workload, r.can_crash_kernel ? " (can crash the kernel)" : "", r.inline_capacity,
                                r.iterations, r.operations, r.expected_errors, r.seconds);
    s += fmt::format("Disk checks: {} files read from the frozen device", r.disk_checks);
    s += r.not_inline ? fmt::format(" ({} files were not inline when they had to be)\n", r.not_inline) : "\n";
    s += fmt::format("Mismatches: {}\n", r.mismatches.size());
    for (const auto& m : r.mismatches)
        s += fmt::format("  {} at {}: {}\n", m.file, m.offset, m.detail);
    s += fmt::format("Kernel log: {}\n", r.kernel_log.size());
    for (const auto& k : r.kernel_log)
        s += fmt::format("  {}: {}\n", k.kind, k.line);
    s += crosscheck_section_text(r.crosscheck);
    if (r.first_failure_seconds >= 0)
        s += fmt::format("First failure: after {:.1f}s\n", r.first_failure_seconds);
    s += fmt::format("Verdict: {}\n", r.verdict);
    return s;
}

}  // namespace e4inline
