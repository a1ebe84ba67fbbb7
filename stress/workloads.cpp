// The workloads, one iteration each. The reproducer shapes follow
// ../shared/ext4-inline-reference.md (A-G); the safe ones drive an inline file or
// directory across its capacity and the conversions (write past capacity, write
// fault on a shared mapping, truncate up, directory growth) and check every byte.
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include <fmt/core.h>

#include "stress/workload.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline::stress {

namespace {

constexpr unsigned kRaceOpsPerThread = 64;  // operations per thread per iteration

// An owned shared mapping.
class Mapping {
public:
    Mapping(int fd, std::size_t len)
        : len_(len), p_(::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) {}
    ~Mapping() { if (p_ != MAP_FAILED) ::munmap(p_, len_); }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    char* data() const { return p_ == MAP_FAILED ? nullptr : static_cast<char*>(p_); }
private:
    std::size_t len_;
    void* p_;
};

// A store to a shared mapping of an inline file faults into ext4_page_mkwrite, which
// converts the file; when that conversion cannot allocate a block the fault ends in
// SIGBUS. A per-thread jump buffer turns it into a counted, expected error.
thread_local sigjmp_buf bus_jump;
thread_local volatile sig_atomic_t bus_armed = 0;

void on_sigbus(int sig) {
    if (bus_armed) {
        bus_armed = 0;
        siglongjmp(bus_jump, 1);
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void install_sigbus_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_sigbus;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_NODEFER;
        ::sigaction(SIGBUS, &sa, nullptr);
    });
}

// Store `bytes` at `offset` of `path` through a shared writable mapping, then
// msync(MS_SYNC) when asked; false when the fault ended in SIGBUS or the mapping
// could not be made.
bool store_through_mapping(const std::string& path, std::string_view bytes, std::size_t offset = 0,
                           bool sync = false) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd)
        return false;
    Mapping map(fd.get(), 4096);
    char* p = map.data();
    if (!p)
        return false;
    install_sigbus_handler();
    if (sigsetjmp(bus_jump, 1) != 0)
        return false;
    bus_armed = 1;
    if (bytes.size() == 8 && offset % 8 == 0) {
        // One aligned 8-byte store: a racing write() sees it whole or not at all.
        std::uint64_t word;
        std::memcpy(&word, bytes.data(), 8);
        *reinterpret_cast<volatile std::uint64_t*>(p + offset) = word;
    } else {
        std::memcpy(p + offset, bytes.data(), bytes.size());
    }
    bus_armed = 0;
    return !sync || ::msync(p, 4096, MS_SYNC) == 0;
}

Result<void> write_file(const std::string& path, std::string_view content) {
    UniqueFd fd(::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
    if (!fd)
        return unexpected(errno_error(errno, "creating", path));
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        return unexpected(errno_error(errno, "writing", path));
    return {};
}

Result<void> pwrite_all(int fd, std::string_view bytes, off_t off, const std::string& path) {
    if (::pwrite(fd, bytes.data(), bytes.size(), off) != static_cast<ssize_t>(bytes.size()))
        return unexpected(errno_error(errno, "writing", path));
    return {};
}

std::string read_range(const std::string& path, off_t off, std::size_t len) {
    std::string out(len, '\0');
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ssize_t n = fd ? ::pread(fd.get(), out.data(), len, off) : -1;
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

std::uint64_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// Run `threads` threads, thread i doing role[i % roles.size()](i) until its
// operations or the deadline are used up.
void race(Context& ctx, const std::vector<std::function<void(unsigned thread, unsigned op)>>& roles) {
    std::vector<std::jthread> workers;
    unsigned n = std::max<unsigned>(ctx.threads, static_cast<unsigned>(roles.size()));
    for (unsigned t = 0; t < n; ++t)
        workers.emplace_back([&, t] {
            for (unsigned op = 0; op < kRaceOpsPerThread && ctx.time_left(); ++op) {
                roles[t % roles.size()](t, op);
                ctx.operations.fetch_add(1, std::memory_order_relaxed);
            }
        });
}

// Each thread on its own file: thread t runs body(t).
Result<void> per_thread(Context& ctx, const std::function<Result<void>(unsigned)>& body) {
    std::vector<Result<void>> results(ctx.threads);
    {
        std::vector<std::jthread> workers;
        for (unsigned t = 0; t < ctx.threads; ++t)
            workers.emplace_back([&, t] { results[t] = body(t); });
    }
    for (auto& r : results)
        E4I_TRY(std::move(r));
    return {};
}

std::mt19937_64 rng_for(const Context& ctx, std::uint64_t iteration, unsigned thread) {
    return std::mt19937_64(ctx.seed * 0x9E3779B97F4A7C15ull ^ (iteration << 16) ^ thread);
}

// Workloads that write new files each iteration keep the files of the last
// kKeepIterations iterations (and of every iteration that found something).
constexpr std::uint64_t kKeepIterations = 16;

void retire_iteration(Context& ctx, std::string_view prefix, std::uint64_t it) {
    if (it < kKeepIterations)
        return;
    for (unsigned t = 0; t < ctx.threads; ++t)
        ctx.retire(fmt::format("{}{}-{}", prefix, t, it - kKeepIterations));
}

// After a racy phase every byte must come from a writer allowed at its offset, and the
// size must be one of the sizes some operation could leave.
void check_known_set(Context& ctx, const std::string& name, const std::set<std::uint64_t>& sizes,
                     const std::function<bool(std::uint64_t off, char c)>& allowed) {
    std::uint64_t size = file_size(ctx.path(name));
    if (!sizes.contains(size)) {
        ctx.mismatch(name, size, fmt::format("size {} is none that the writers could leave", size));
        return;
    }
    std::string data = read_range(ctx.path(name), 0, static_cast<std::size_t>(std::min<std::uint64_t>(size, 4096)));
    for (std::uint64_t off = 0; off < data.size(); ++off)
        if (!allowed(off, data[off])) {
            ctx.mismatch(name, off, fmt::format("byte 0x{:02x} written by no writer at this offset",
                                                static_cast<unsigned char>(data[off])));
            return;
        }
}

// Settle a raced file with one known write, read it back, and record it for the
// check on the unmounted image.
Result<void> settle(Context& ctx, const std::string& name, std::uint64_t iteration) {
    std::string want = known_bytes(Writer::buffered, ctx.seed, ~iteration, 0, 32);
    bool rewrite = false;
    {
        UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_TRUNC | O_CLOEXEC));
        if (!fd)
            return unexpected(errno_error(errno, "opening", ctx.path(name)));
        auto written = pwrite_all(fd.get(), want, 0, ctx.path(name));
        if (written)
            ::fsync(fd.get());
        else if (written.error().code == ENOSPC)
            rewrite = true;
        else
            return unexpected(written.error());
    }
    // On a filesystem with no free block at all (e4inline craft bitmap-full or fill),
    // a file the race left converted to extents cannot take the bytes back, a new
    // one stores them inline. The ENOSPC is one the shape provokes.
    if (rewrite) {
        ctx.expected_errors.fetch_add(1);
        ::unlink(ctx.path(name).c_str());
        E4I_TRY(write_file(ctx.path(name), want));
        UniqueFd fd(::open(ctx.path(name).c_str(), O_RDONLY | O_CLOEXEC));
        if (fd)
            ::fsync(fd.get());
    }
    ctx.check_exact(name, want);
    ctx.expect_final(name, want);
    return {};
}

// ---------------------------------------------------------------- A, B
// A 10-byte inline file; one role converts it (write fault, or fallocate) while block
// allocation fails, the other writes 32 bytes at offset 0 with pwrite/writev/sendfile.
Result<void> write_racing(Context& ctx, std::uint64_t it, bool with_fallocate) {
    const std::string name = "race", src = "race.src";
    // A new inode each iteration: the 10 bytes go inline even when no block is free.
    ::unlink(ctx.path(name).c_str());
    E4I_TRY(write_file(ctx.path(name), known_bytes(Writer::initial, ctx.seed, it, 0, 10)));
    E4I_TRY(write_file(ctx.path(src), known_bytes(Writer::other, ctx.seed, it, 0, 32)));
    auto converter = [&](unsigned, unsigned op) {
        if (with_fallocate) {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_CLOEXEC));
            if (fd && ::fallocate(fd.get(), FALLOC_FL_KEEP_SIZE, 0, 1 << 20) != 0)
                ctx.expected_errors.fetch_add(1);
        } else if (!store_through_mapping(ctx.path(name), known_bytes(Writer::mapped, ctx.seed, op, 0, 8))) {
            ctx.expected_errors.fetch_add(1);
        }
    };
    auto writer = [&](unsigned thread, unsigned op) {
        std::string bytes = known_bytes(Writer::buffered, ctx.seed, op + thread, 0, 32);
        UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_CLOEXEC));
        if (!fd)
            return;
        ssize_t n = -1;
        if (op % 3 == 0) {
            n = ::pwrite(fd.get(), bytes.data(), bytes.size(), 0);
        } else if (op % 3 == 1) {
            iovec iov[2] = {{bytes.data(), 16}, {bytes.data() + 16, 16}};
            n = ::pwritev(fd.get(), iov, 2, 0);
        } else {
            UniqueFd in(::open(ctx.path(src).c_str(), O_RDONLY | O_CLOEXEC));
            off_t from = 0;
            n = in ? ::sendfile(fd.get(), in.get(), &from, 32) : -1;
        }
        if (n != 32)
            ctx.expected_errors.fetch_add(1);
    };
    race(ctx, {converter, writer});
    check_known_set(ctx, name, {10, 32}, [](std::uint64_t off, char c) {
        bool mapped_ok = off < 8 && byte_from(Writer::mapped, c);
        bool initial_ok = off < 10 && byte_from(Writer::initial, c);
        return mapped_ok || initial_ok || byte_from(Writer::buffered, c) || byte_from(Writer::other, c);
    });
    return settle(ctx, name, it);
}

Result<void> mkwrite_vs_write(Context& ctx, std::uint64_t it) { return write_racing(ctx, it, false); }
Result<void> fallocate_vs_write(Context& ctx, std::uint64_t it) { return write_racing(ctx, it, true); }

// ---------------------------------------------------------------- C
// Shape C as finding (a) of the reference measures it: a new inline file (one write
// of 1 byte up to the capacity, closed), reopened, a store through a shared mapping,
// msync(MS_SYNC), fsync. The store must reach the disk: the iteration's files are
// read back from the frozen device. Each iteration writes new files, since a file
// that the first store converted to extents no longer tests inline data.
Result<void> mmap_then_fsync(Context& ctx, std::uint64_t it) {
    std::mutex lock;
    std::vector<KnownFile> synced;
    E4I_TRY(per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("c{}-{}", t, it);
        auto rng = rng_for(ctx, it, t);
        const std::size_t len = 1 + rng() % ctx.capacity;
        std::string content = known_bytes(Writer::buffered, ctx.seed, it + t, 0, len);
        E4I_TRY(write_file(ctx.path(name), content));
        if (!E4I_TRY(is_inline(ctx.path(name))))
            ctx.not_inline.fetch_add(1);
        const std::size_t at = rng() % len, n = 1 + rng() % std::min<std::size_t>(8, len - at);
        const std::string stored = known_bytes(Writer::mapped, ctx.seed, it + t, at, n);
        if (!store_through_mapping(ctx.path(name), stored, at, true)) {
            ctx.mismatch(name, at, "SIGBUS or msync failure storing through the mapping with free space left");
            ctx.expect_final(name, content);
            return {};
        }
        content.replace(at, n, stored);
        {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_CLOEXEC));
            if (!fd || ::fsync(fd.get()) != 0)
                return unexpected(errno_error(errno, "fsync of", ctx.path(name)));
        }
        ctx.operations.fetch_add(5);
        ctx.expect_final(name, content);
        ctx.check_exact(name, content);
        std::lock_guard g(lock);
        synced.push_back({name, std::move(content)});
        return {};
    }));
    E4I_TRY(ctx.check_on_disk(synced));
    retire_iteration(ctx, "c", it);
    return {};
}

// ---------------------------------------------------------------- D
// Write 1 byte, append up to 7 bytes short of the capacity (120 with 256-byte inodes),
// fallocate 10M while allocation fails, sync.
Result<void> append_fallocate_enospc(Context& ctx, std::uint64_t it) {
    return per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("d{}", t);
        const std::size_t total = std::max<std::size_t>(ctx.capacity, 9) - 7;
        std::string want = known_bytes(Writer::buffered, ctx.seed, it + t, 0, total);
        UniqueFd fd(::open(ctx.path(name).c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND | O_CLOEXEC, 0644));
        if (!fd)
            return unexpected(errno_error(errno, "creating", ctx.path(name)));
        if (::write(fd.get(), want.data(), 1) != 1 ||
            ::write(fd.get(), want.data() + 1, total - 1) != static_cast<ssize_t>(total - 1))
            ctx.expected_errors.fetch_add(1);
        if (::fallocate(fd.get(), 0, 0, 10 << 20) != 0)
            ctx.expected_errors.fetch_add(1);
        ::syncfs(fd.get());
        ctx.operations.fetch_add(4);
        if (file_size(ctx.path(name)) == (10u << 20)) {
            // The allocation did not fail after all: only the first bytes are known.
            if (read_range(ctx.path(name), 0, total) != want)
                ctx.mismatch(name, 0, fmt::format("first {} bytes differ after a successful fallocate", total));
            ctx.forget(name);
            return {};
        }
        ctx.check_exact(name, want);
        ctx.expect_final(name, want);
        return {};
    });
}

// ---------------------------------------------------------------- E
// O_TRUNC, ftruncate(30), pwrite 1 byte at 1 TiB + 5.
Result<void> truncate_huge_offset(Context& ctx, std::uint64_t it) {
    return per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("e{}", t);
        const off_t far = (off_t{1} << 40) + 5;
        std::string byte = known_bytes(Writer::buffered, ctx.seed, it + t, 0, 1);
        {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644));
            if (!fd)
                return unexpected(errno_error(errno, "creating", ctx.path(name)));
            if (::ftruncate(fd.get(), 30) != 0)
                return unexpected(errno_error(errno, "truncating", ctx.path(name)));
            ssize_t n = ::pwrite(fd.get(), byte.data(), 1, far);
            ctx.operations.fetch_add(3);
            if (n != 1) {
                ctx.expected_errors.fetch_add(1);  // EFBIG on small block sizes
                if (!ctx.check_exact(name, std::string(30, '\0'))) {
                    ctx.expect_final(name, std::string(30, '\0'));
                    return {};
                }
            } else {
                if (file_size(ctx.path(name)) != static_cast<std::uint64_t>(far) + 1)
                    ctx.mismatch(name, file_size(ctx.path(name)), "size is not 1 TiB + 6");
                else if (read_range(ctx.path(name), 0, 30) != std::string(30, '\0'))
                    ctx.mismatch(name, 0, "the 30 truncated-up bytes are not zero");
                else if (read_range(ctx.path(name), far, 1) != byte)
                    ctx.mismatch(name, static_cast<std::uint64_t>(far), "the byte written at 1 TiB + 5 is lost");
            }
        }
        // Leave a small known file, not a 1 TiB sparse one, for the image check.
        std::string want = known_bytes(Writer::buffered, ctx.seed, it, 0, 20);
        E4I_TRY(write_file(ctx.path(name), want));
        ctx.check_exact(name, want);
        ctx.expect_final(name, want);
        return {};
    });
}

// ---------------------------------------------------------------- F
// One writer pwrites sizes around the capacity while the others add and remove
// user.* xattrs that take the same in-inode space. The writer keeps a shadow copy,
// so the final content is known exactly.
Result<void> xattr_vs_write(Context& ctx, std::uint64_t it) {
    // A new file each iteration: the last one was converted to extents.
    const std::string name = fmt::format("x0-{}", it);
    retire_iteration(ctx, "x", it);
    E4I_TRY(write_file(ctx.path(name), known_bytes(Writer::initial, ctx.seed, it, 0, 10)));
    std::string shadow = known_bytes(Writer::initial, ctx.seed, it, 0, 10);
    auto writer = [&](unsigned, unsigned op) {
        std::size_t len = ctx.capacity - 28 + (op * 7) % 41;  // capacity - 28 .. capacity + 12
        std::string bytes = known_bytes(Writer::buffered, ctx.seed, it * 1000 + op, 0, len);
        UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_CLOEXEC));
        if (fd && ::pwrite(fd.get(), bytes.data(), len, 0) == static_cast<ssize_t>(len)) {
            if (shadow.size() < len)
                shadow.resize(len);
            shadow.replace(0, len, bytes);
        } else {
            ctx.expected_errors.fetch_add(1);
        }
    };
    auto xattrs = [&](unsigned thread, unsigned op) {
        std::string key = fmt::format("user.e4i{}", (thread + op) % 4);
        std::string value(1 + (op * 13) % 100, 'v');
        if (op % 2 == 0 ? ::setxattr(ctx.path(name).c_str(), key.c_str(), value.data(), value.size(), 0) != 0
                        : ::removexattr(ctx.path(name).c_str(), key.c_str()) != 0)
            ctx.expected_errors.fetch_add(1);  // ENODATA, ENOSPC
    };
    // Exactly one writer thread, so the shadow is the truth.
    std::vector<std::function<void(unsigned, unsigned)>> roles{writer};
    for (unsigned t = 1; t < std::max(2u, ctx.threads); ++t)
        roles.push_back(xattrs);
    race(ctx, roles);
    ctx.check_exact(name, shadow);
    ctx.expect_final(name, shadow);
    // Writes past the capacity convert the file (sooner when the xattrs take space).
    return ctx.check_on_disk({{name, shadow, shadow.size() > ctx.capacity}});
}

// ---------------------------------------------------------------- G
// Truncate an inline file up to 50 MB, then sendfile into it.
Result<void> truncate_sendfile(Context& ctx, std::uint64_t it) {
    return per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("g{}", t), src = fmt::format("g{}.src", t);
        const off_t big = 50 << 20;
        std::string sent = known_bytes(Writer::other, ctx.seed, it + t, 0, 64);
        E4I_TRY(write_file(ctx.path(src), sent));
        E4I_TRY(write_file(ctx.path(name), known_bytes(Writer::initial, ctx.seed, it, 0, 10)));
        {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_CLOEXEC));
            UniqueFd in(::open(ctx.path(src).c_str(), O_RDONLY | O_CLOEXEC));
            if (!fd || !in)
                return unexpected(errno_error(errno, "opening", ctx.path(name)));
            if (::ftruncate(fd.get(), big) != 0)
                return unexpected(errno_error(errno, "truncating", ctx.path(name)));
            off_t from = 0;
            if (::sendfile(fd.get(), in.get(), &from, 64) != 64)
                ctx.expected_errors.fetch_add(1);
            ctx.operations.fetch_add(4);
        }
        std::string head = sent + std::string(4096 - 64, '\0');
        if (file_size(ctx.path(name)) != static_cast<std::uint64_t>(big))
            ctx.mismatch(name, file_size(ctx.path(name)), "size is not the 50 MB truncated to");
        else if (auto got = read_range(ctx.path(name), 0, 4096); got != head)
            ctx.mismatch(name, 0, "the sent bytes or the zeros after them differ");
        else if (read_range(ctx.path(name), big - 1, 1) != std::string(1, '\0'))
            ctx.mismatch(name, static_cast<std::uint64_t>(big - 1), "the last byte is not zero");
        // Keep the image check small: cut back to the sent bytes.
        if (::truncate(ctx.path(name).c_str(), 64) != 0) {
            ctx.forget(name);
            return {};
        }
        ctx.check_exact(name, sent);
        ctx.expect_final(name, sent);
        return {};
    });
}

// ---------------------------------------------------------------- safe workloads
// Appends of 1..40 bytes to a new file, from empty through 60 (i_block full), the
// probed capacity and 172 bytes past it (into extents), each read back; then finding
// (b)'s sequence on the converted file: reopen with O_TRUNC, write up to 64 bytes,
// read them with a 4096-byte read() from a second descriptor while the writer is
// open, close, and read the file back from the frozen device.
Result<void> append_across_capacity(Context& ctx, std::uint64_t it) {
    std::mutex lock;
    std::vector<KnownFile> written;
    E4I_TRY(per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("p{}-{}", t, it);
        auto rng = rng_for(ctx, it, t);
        std::string shadow;
        auto known = [&](const std::string& content) {
            ctx.expect_final(name, content);
            std::lock_guard g(lock);
            written.push_back({name, content, shadow.size() > ctx.capacity});
        };
        {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_CREAT | O_EXCL | O_WRONLY | O_APPEND | O_CLOEXEC, 0644));
            if (!fd)
                return unexpected(errno_error(errno, "creating", ctx.path(name)));
            while (shadow.size() < ctx.capacity + 172) {
                std::string bytes = known_bytes(Writer::buffered, ctx.seed, it + t, shadow.size(), 1 + rng() % 40);
                if (::write(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
                    return unexpected(errno_error(errno, "appending to", ctx.path(name)));
                shadow += bytes;
                ctx.operations.fetch_add(1);
                if (shadow.size() == bytes.size() && !E4I_TRY(is_inline(ctx.path(name))))
                    ctx.not_inline.fetch_add(1);
                if (!ctx.check_exact(name, shadow)) {
                    known(shadow);
                    return {};
                }
            }
        }
        const std::string again = known_bytes(Writer::other, ctx.seed, it + t, 0, 1 + rng() % 64);
        {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
            if (!fd)
                return unexpected(errno_error(errno, "reopening with O_TRUNC", ctx.path(name)));
            E4I_TRY(pwrite_all(fd.get(), again, 0, ctx.path(name)));
            ctx.operations.fetch_add(2);
            ctx.check_exact(name, again);  // while the writer is open
        }
        known(again);
        return {};
    }));
    E4I_TRY(ctx.check_on_disk(written));
    retire_iteration(ctx, "p", it);
    return {};
}

// A small inline file written through a shared mapping (the write fault converts it
// in ext4_page_mkwrite), then overwritten in part with pwrite across the old end.
Result<void> mmap_convert(Context& ctx, std::uint64_t it) {
    return per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("m{}", t);
        auto rng = rng_for(ctx, it, t);
        std::size_t len = 1 + rng() % ctx.capacity;
        const std::string initial = known_bytes(Writer::buffered, ctx.seed, it, 0, len);
        E4I_TRY(write_file(ctx.path(name), initial));
        std::string shadow = known_bytes(Writer::mapped, ctx.seed, it + t, 0, len);
        if (!store_through_mapping(ctx.path(name), shadow)) {
            ctx.mismatch(name, 0, "SIGBUS storing through the mapping with free space left");
            ctx.expect_final(name, initial);
            return {};
        }
        std::size_t at = rng() % (len + 1), more = 1 + rng() % 60;
        std::string bytes = known_bytes(Writer::buffered, ctx.seed, it + t + 1, at, more);
        {
            UniqueFd fd(::open(ctx.path(name).c_str(), O_WRONLY | O_CLOEXEC));
            E4I_TRY(pwrite_all(fd.get(), bytes, static_cast<off_t>(at), ctx.path(name)));
        }
        if (shadow.size() < at + more)
            shadow.resize(at + more);
        shadow.replace(at, more, bytes);
        ctx.operations.fetch_add(3);
        ctx.check_exact(name, shadow);
        ctx.expect_final(name, shadow);
        return {};
    });
}

// Write, truncate down (stays inline), truncate up (past the inline size in use it
// converts), write somewhere: the zeros in between must read back as zeros.
Result<void> truncate_down_up(Context& ctx, std::uint64_t it) {
    return per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string name = fmt::format("t{}", t);
        auto rng = rng_for(ctx, it, t);
        std::size_t len = 1 + rng() % ctx.capacity, down = rng() % (len + 1), up = down + rng() % (ctx.capacity + 172);
        std::size_t at = rng() % (up + 1), more = 1 + rng() % 20;
        std::string shadow = known_bytes(Writer::buffered, ctx.seed, it + t, 0, len);
        E4I_TRY(write_file(ctx.path(name), shadow));
        UniqueFd fd(::open(ctx.path(name).c_str(), O_RDWR | O_CLOEXEC));
        if (!fd || ::ftruncate(fd.get(), static_cast<off_t>(down)) != 0)
            return unexpected(errno_error(errno, "truncating", ctx.path(name)));
        shadow.resize(down);
        if (!ctx.check_exact(name, shadow)) {
            ctx.expect_final(name, shadow);
            return {};
        }
        if (::ftruncate(fd.get(), static_cast<off_t>(up)) != 0)
            return unexpected(errno_error(errno, "truncating", ctx.path(name)));
        shadow.resize(up, '\0');
        if (!ctx.check_exact(name, shadow)) {
            ctx.expect_final(name, shadow);
            return {};
        }
        std::string bytes = known_bytes(Writer::other, ctx.seed, it + t, at, more);
        E4I_TRY(pwrite_all(fd.get(), bytes, static_cast<off_t>(at), ctx.path(name)));
        if (shadow.size() < at + more)
            shadow.resize(at + more, '\0');
        shadow.replace(at, more, bytes);
        ctx.operations.fetch_add(4);
        ctx.check_exact(name, shadow);
        ctx.expect_final(name, shadow);
        return {};
    });
}

// An inline directory grown entry by entry (into system.data, then converted to a
// block) and shrunk again; the listing and every entry's content must stay exact.
Result<void> dir_grow_shrink(Context& ctx, std::uint64_t it) {
    return per_thread(ctx, [&](unsigned t) -> Result<void> {
        const std::string dname = fmt::format("dir{}", t);
        std::error_code ec;
        ctx.forget(dname);
        std::filesystem::remove_all(ctx.path(dname), ec);
        if (::mkdir(ctx.path(dname).c_str(), 0755) != 0)
            return unexpected(errno_error(errno, "creating", ctx.path(dname)));
        auto rng = rng_for(ctx, it, t);
        // 40 entries overflow a 128-byte capacity; scale for larger inodes.
        std::size_t count = 1 + rng() % std::max<std::size_t>(40, ctx.capacity * 5 / 16);
        std::set<std::string> want;
        for (std::size_t i = 0; i < count; ++i) {
            std::string entry = fmt::format("{}/e{}-{}", dname, i, std::string(rng() % 12, 'n'));
            E4I_TRY(write_file(ctx.path(entry), known_bytes(Writer::buffered, ctx.seed, it + i, 0, 8)));
            want.insert(entry);
            ctx.operations.fetch_add(1);
        }
        for (auto i = want.begin(); i != want.end();) {
            if (rng() % 2 == 0) {
                if (::unlink(ctx.path(*i).c_str()) != 0)
                    return unexpected(errno_error(errno, "removing", ctx.path(*i)));
                i = want.erase(i);
                ctx.operations.fetch_add(1);
            } else {
                ++i;
            }
        }
        std::set<std::string> seen;
        for (const auto& e : std::filesystem::directory_iterator(ctx.path(dname), ec))
            seen.insert(dname + "/" + e.path().filename().string());
        if (ec)
            return unexpected(errno_error(ec.value(), "listing", ctx.path(dname)));
        for (const auto& e : want)
            if (!seen.contains(e))
                ctx.mismatch(e, 0, "entry missing from the directory listing");
        for (const auto& e : seen)
            if (!want.contains(e))
                ctx.mismatch(e, 0, "removed entry still listed");
        for (const auto& e : want) {
            auto pos = e.find("/e") + 2;
            std::uint64_t i = std::stoull(e.substr(pos));
            std::string content = known_bytes(Writer::buffered, ctx.seed, it + i, 0, 8);
            ctx.check_exact(e, content);
            ctx.expect_final(e, content);
        }
        return {};
    });
}


// The registry. can_crash_kernel: the workload runs only with --in-vm or in the guest
// of e4inline-vm (kernel command line e4inline.vm=1); needs_failing_allocation: the
// runner fills the filesystem first (FailingAllocation).
const WorkloadRecord kWorkloads[] = {
    {{"mkwrite-vs-write", "A", true, true,
      "write faults on a shared mapping racing pwrite/writev/sendfile while allocation fails"}, mkwrite_vs_write},
    {{"fallocate-vs-write", "B", true, true, "failing fallocate racing pwrite/writev/sendfile"}, fallocate_vs_write},
    {{"mmap-then-fsync", "C", false, false,
      "new inline file, store through a shared mapping, msync, fsync; the disk must hold the store"}, mmap_then_fsync},
    {{"append-fallocate-enospc", "D", true, true, "write 1, append to capacity - 7, fallocate 10M failing, sync"},
     append_fallocate_enospc},
    {{"truncate-huge-offset", "E", true, false, "ftruncate 30 then pwrite 1 byte at 1 TiB + 5"}, truncate_huge_offset},
    {{"xattr-vs-write", "F", false, false, "user.* xattrs set and removed racing pwrites around the capacity"},
     xattr_vs_write},
    {{"truncate-sendfile", "G", true, false, "truncate an inline file to 50 MB, then sendfile into it"},
     truncate_sendfile},
    {{"append-across-capacity", "", false, false,
      "appends through 60 and the capacity to extents, O_TRUNC rewrite; the disk must hold it"},
     append_across_capacity},
    {{"mmap-convert", "", false, false, "write fault converts a small file, then pwrite across its end"}, mmap_convert},
    {{"truncate-down-up", "", false, false, "truncate down and up across the inline size, then write"},
     truncate_down_up},
    {{"dir-grow-shrink", "", false, false, "inline directories growing into system.data, converting, shrinking"},
     dir_grow_shrink},
};

}  // namespace

std::span<const WorkloadRecord> workload_records() { return kWorkloads; }

const WorkloadRecord* find_workload_record(std::string_view name) {
    for (const auto& r : kWorkloads)
        if (r.info.name == name)
            return &r;
    return nullptr;
}

}  // namespace e4inline::stress
