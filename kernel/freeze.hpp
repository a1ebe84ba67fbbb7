// FreezeGuard: a filesystem frozen with FIFREEZE for as long as the guard
// lives, and never longer. The kernel keeps a freeze after the process that
// made it dies, so the guard thaws in its destructor, from SIGINT/SIGTERM
// handlers, and through a watchdog process that survives SIGKILL of its parent
// and thaws when the parent's end of a pipe closes or when the freeze has
// lasted longer than its bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "e4inline/error.hpp"

namespace e4inline {

struct FreezeOptions {
    // The watchdog thaws after this long even if the holder is still alive;
    // the holder's own thaw then reports the freeze as broken.
    std::chrono::milliseconds max_freeze{10000};
    bool watchdog = true;          // fork a watchdog before freezing
    bool signal_handlers = true;   // thaw from SIGINT, SIGTERM, SIGHUP, SIGQUIT
};

// Write the journal of the ext4 filesystem that FD (a directory on it)
// belongs to back to its home locations (EXT4_IOC_CHECKPOINT, Linux 5.13),
// so that a FIFREEZE right after has almost nothing left to flush. The
// kernel holds new journal handles off meanwhile, as the freeze would.
// False where the kernel or the filesystem has no such thing (an older
// kernel, no journal, no CAP_SYS_ADMIN): the freeze then flushes as before.
Result<bool> checkpoint_journal(int fd, const std::string& mountpoint);

class FreezeGuard {
public:
    // Freeze the filesystem mounted on MOUNTPOINT (FIFREEZE on a directory fd).
    static Result<FreezeGuard> freeze(const std::string& mountpoint, const FreezeOptions& options = {});
    // The same in two steps, for a caller that has work to do in between:
    // arm() forks the watchdog (cheap while the process has few descriptors
    // open, and before it starts threads) and freezes nothing; freeze_now()
    // freezes. The destructor of an armed guard only stops the watchdog.
    static Result<FreezeGuard> arm(const std::string& mountpoint, const FreezeOptions& options = {});
    Result<void> freeze_now();

    FreezeGuard(FreezeGuard&&) noexcept;
    FreezeGuard& operator=(FreezeGuard&&) = delete;
    FreezeGuard(const FreezeGuard&) = delete;
    FreezeGuard& operator=(const FreezeGuard&) = delete;
    ~FreezeGuard();

    // FITHAW now. An error when the filesystem was no longer frozen (the
    // watchdog thawed it at max_freeze, or someone else did): whatever was
    // read under the freeze may then not be consistent.
    Result<void> thaw();

    // How long the filesystem has been (or was, once thawed) frozen: from
    // the start of the FIFREEZE ioctl (writers are held off from there) to
    // the return of FITHAW.
    std::chrono::microseconds held() const;
    // Of that, the FIFREEZE ioctl alone and the FITHAW ioctl alone.
    std::chrono::microseconds freeze_ioctl() const { return freeze_ioctl_; }
    std::chrono::microseconds thaw_ioctl() const { return thaw_ioctl_; }
    // Whether the deadline given by max_freeze has passed.
    bool expired() const;

private:
    FreezeGuard() = default;
    void release_watchdog(bool thawed);
    int fd_ = -1;
    pid_t watchdog_ = -1;
    int watchdog_pipe_ = -1;
    bool frozen_ = false;
    std::string mountpoint_;
    std::chrono::steady_clock::time_point start_{}, end_{};
    std::chrono::microseconds freeze_ioctl_{0}, thaw_ioctl_{0};
    std::chrono::milliseconds max_freeze_{0};
    bool signal_handlers_ = true;
};

}  // namespace e4inline
