#include "kernel/freeze.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <utility>

namespace e4inline {

namespace {

// The watchdog protocol on the pipe from holder to watchdog: 'F' before the
// holder freezes (the bound starts), 'T' after it thawed (nothing to do).
// End of file without 'T' means the holder died: thaw.
constexpr char msg_freezing = 'F';
constexpr char msg_thawed = 'T';

// The freeze a signal handler has to undo. One freeze per process at a time.
volatile sig_atomic_t frozen_fd = -1;
constexpr int thaw_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction saved_actions[std::size(thaw_signals)];
bool handlers_installed = false;

void thaw_and_die(int sig) {
    const int fd = frozen_fd;
    if (fd >= 0)
        ioctl(fd, FITHAW, 0);
    frozen_fd = -1;
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_handlers() {
    struct sigaction sa{};
    sa.sa_handler = thaw_and_die;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(thaw_signals); ++i)
        sigaction(thaw_signals[i], &sa, &saved_actions[i]);
    handlers_installed = true;
}

void restore_handlers() {
    if (!handlers_installed)
        return;
    for (std::size_t i = 0; i < std::size(thaw_signals); ++i)
        sigaction(thaw_signals[i], &saved_actions[i], nullptr);
    handlers_installed = false;
}

void say(int fd, const std::string& text) {
    [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
}

// The watchdog's whole life; never returns. It is forked before the holder
// starts any thread, and it leaves with _exit so as never to run the
// holder's atexit handlers or destructors.
// Its messages are formatted before the fork: a caller with threads of its
// own (a stress run) may fork while another thread holds the allocator.
struct WatchdogWords {
    std::string overran;  // the bound passed
    std::string orphaned; // the holder died frozen
};

[[noreturn]] void watchdog_main(int mount_fd, int pipe_fd, std::chrono::milliseconds bound, const WatchdogWords& words) {
    // A terminal's ^C reaches the whole process group: the holder thaws
    // itself then, and the watchdog must outlive it to catch a failure.
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    // Do not keep the holder's standard output open for whoever reads it.
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    bool frozen = false;
    auto deadline = std::chrono::steady_clock::now();
    for (;;) {
        int timeout = -1;
        if (frozen) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            timeout = left.count() > 0 ? static_cast<int>(left.count()) : 0;
        }
        pollfd p{pipe_fd, POLLIN, 0};
        const int rc = poll(&p, 1, timeout);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0) {
            ioctl(mount_fd, FITHAW, 0);
            say(STDERR_FILENO, words.overran);
            _exit(0);
        }
        char c = 0;
        const ssize_t n = rc > 0 ? read(pipe_fd, &c, 1) : -1;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 1 && c == msg_freezing) {
            frozen = true;
            deadline = std::chrono::steady_clock::now() + bound;
            continue;
        }
        if (n == 1 && c == msg_thawed)
            _exit(0);
        // End of file or an error: the holder is gone.
        if (frozen && ioctl(mount_fd, FITHAW, 0) == 0)
            say(STDERR_FILENO, words.orphaned);
        _exit(0);
    }
}

}  // namespace

Result<bool> checkpoint_journal(int fd, const std::string& mountpoint) {
    // _IOW('f', 43, __u32) in fs/ext4/ext4.h; no header exports it.
    constexpr unsigned long ext4_ioc_checkpoint = _IOW('f', 43, std::uint32_t);
    std::uint32_t flags = 0;  // no discard, no zeroout: only the checkpoint
    if (ioctl(fd, ext4_ioc_checkpoint, &flags) == 0)
        return true;
    switch (errno) {
    case ENOTTY:      // before Linux 5.13
    case EINVAL:      // (early versions) not the root of the mount
    case EOPNOTSUPP:
    case ENODEV:      // no journal
    case EPERM:       // no CAP_SYS_ADMIN in this namespace
        return false;
    default: return unexpected(errno_error(errno, "checkpointing the journal (EXT4_IOC_CHECKPOINT) of", mountpoint));
    }
}

Result<FreezeGuard> FreezeGuard::freeze(const std::string& mountpoint, const FreezeOptions& options) {
    FreezeGuard g = E4I_TRY(arm(mountpoint, options));
    E4I_TRY(g.freeze_now());
    return g;
}

Result<FreezeGuard> FreezeGuard::arm(const std::string& mountpoint, const FreezeOptions& options) {
    FreezeGuard g;
    g.mountpoint_ = mountpoint;
    g.max_freeze_ = options.max_freeze;
    g.signal_handlers_ = options.signal_handlers;
    g.fd_ = open(mountpoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (g.fd_ < 0)
        return unexpected(errno_error(errno, "opening", mountpoint));
    if (options.watchdog) {
        // A socket pair rather than a pipe: the holder's last word must not
        // kill it with SIGPIPE when the watchdog has already gone (MSG_NOSIGNAL).
        int p[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0)
            return unexpected(errno_error(errno, "creating the watchdog pipe for", mountpoint));
        const WatchdogWords words{
            fmt::format("e4inline: watchdog: {} was frozen for more than {} ms; thawed it\n", mountpoint,
                        options.max_freeze.count()),
            fmt::format("e4inline: watchdog: the checker died holding the freeze of {}; thawed it\n", mountpoint)};
        const pid_t pid = fork();
        if (pid < 0) {
            const int err = errno;
            close(p[0]);
            close(p[1]);
            return unexpected(errno_error(err, "starting the freeze watchdog for", mountpoint));
        }
        if (pid == 0) {
            close(p[1]);
            watchdog_main(g.fd_, p[0], options.max_freeze, words);
        }
        close(p[0]);
        g.watchdog_ = pid;
        g.watchdog_pipe_ = p[1];
    }
    return g;
}

Result<void> FreezeGuard::freeze_now() {
    if (frozen_ || fd_ < 0)
        return unexpected(plain_error(ExitCode::operational, "freezing twice with one guard", mountpoint_));
    // The watchdog must hear of the freeze before it exists.
    if (watchdog_pipe_ >= 0 && send(watchdog_pipe_, &msg_freezing, 1, MSG_NOSIGNAL) != 1)
        return unexpected(errno_error(errno, "arming the freeze watchdog for", mountpoint_));
    if (signal_handlers_)
        install_handlers();
    start_ = std::chrono::steady_clock::now();
    frozen_fd = fd_;
    const int rc = ioctl(fd_, FIFREEZE, 0);
    freeze_ioctl_ = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_);
    if (rc != 0) {
        const int err = errno;
        frozen_fd = -1;
        Error e = errno_error(err, "freezing (FIFREEZE)", mountpoint_);
        if (err == EBUSY)
            e.reason = "it is already frozen";
        return unexpected(e);  // the destructor stops the watchdog
    }
    frozen_ = true;
    return {};
}

FreezeGuard::FreezeGuard(FreezeGuard&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), watchdog_(std::exchange(o.watchdog_, -1)),
      watchdog_pipe_(std::exchange(o.watchdog_pipe_, -1)), frozen_(std::exchange(o.frozen_, false)),
      mountpoint_(std::move(o.mountpoint_)), start_(o.start_), end_(o.end_), freeze_ioctl_(o.freeze_ioctl_),
      thaw_ioctl_(o.thaw_ioctl_), max_freeze_(o.max_freeze_),
      signal_handlers_(o.signal_handlers_) {}

FreezeGuard::~FreezeGuard() {
    if (frozen_)
        (void)thaw();
    release_watchdog(true);
    restore_handlers();
    if (fd_ >= 0)
        close(fd_);
}

void FreezeGuard::release_watchdog(bool thawed) {
    if (watchdog_pipe_ >= 0) {
        if (thawed)
            [[maybe_unused]] auto n = send(watchdog_pipe_, &msg_thawed, 1, MSG_NOSIGNAL);
        close(watchdog_pipe_);
        watchdog_pipe_ = -1;
    }
    if (watchdog_ > 0) {
        while (waitpid(watchdog_, nullptr, 0) < 0 && errno == EINTR) {
        }
        watchdog_ = -1;
    }
}

Result<void> FreezeGuard::thaw() {
    if (!frozen_)
        return {};
    frozen_ = false;
    const auto thaw_start = std::chrono::steady_clock::now();
    const int rc = ioctl(fd_, FITHAW, 0);
    const int err = errno;
    // Writers run again once FITHAW returns, not before: the freeze ends here.
    end_ = std::chrono::steady_clock::now();
    thaw_ioctl_ = std::chrono::duration_cast<std::chrono::microseconds>(end_ - thaw_start);
    frozen_fd = -1;
    release_watchdog(true);
    if (rc != 0) {
        if (err == EINVAL)
            return unexpected(plain_error(
                ExitCode::operational,
                fmt::format("it was thawed by someone else (the watchdog after {} ms?) before the check ended",
                            max_freeze_.count()),
                mountpoint_));
        return unexpected(errno_error(err, "thawing (FITHAW)", mountpoint_));
    }
    return {};
}

std::chrono::microseconds FreezeGuard::held() const {
    const auto end = frozen_ ? std::chrono::steady_clock::now() : end_;
    return std::chrono::duration_cast<std::chrono::microseconds>(end - start_);
}

bool FreezeGuard::expired() const {
    return frozen_ && std::chrono::steady_clock::now() - start_ >= max_freeze_;
}

}  // namespace e4inline
