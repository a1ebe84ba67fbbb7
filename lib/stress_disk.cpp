// What reached the disk, for the workloads whose point is a write the page cache
// shows and the disk never gets (findings (a) and (b) of the reference): the
// filesystem is frozen, which makes the disk consistent (FIFREEZE syncs, flushes
// delalloc and checkpoints the journal into the home locations), the files are
// read from the device with O_DIRECT through libext2fs (so neither the page cache
// nor the kernel's buffer cache of the inode tables answers), and only then thawed.
// Reading before the freeze would report delalloc'd data as lost; reading the
// device without O_DIRECT would show the kernel's in-memory inode buffers.
#include <unistd.h>

#include <fmt/core.h>

#include "e4inline/filesystem.hpp"
#include "e4inline/freeze.hpp"
#include "e4inline/stress_workload.hpp"

namespace e4inline::stress {

Result<void> Context::check_on_disk(const std::vector<KnownFile>& known) {
    if (known.empty())
        return {};
    if (::geteuid() != 0)
        return std::unexpected(plain_error(
            ExitCode::operational, "the disk check needs root (CAP_SYS_ADMIN to freeze the filesystem and read its device)",
            mountpoint));
    struct OnDisk {
        const KnownFile* known;
        Result<std::vector<std::uint8_t>> content;
        bool inline_flag;
    };
    if (device.empty())
        return std::unexpected(plain_error(ExitCode::operational,
                                           "the disk check cannot find the block device of the filesystem", mountpoint));
    std::vector<OnDisk> read;
    read.reserve(known.size());
    {
        FreezeOptions fo;
        fo.max_freeze = std::chrono::milliseconds(10000);
        auto guard = E4I_TRY(FreezeGuard::freeze(mountpoint, fo));
        OpenOptions oo;
        oo.direct_io = true;
        auto fs = Filesystem::open(device, oo);
        if (!fs)
            return std::unexpected(fs.error());
        for (const auto& k : known) {
            auto ref = fs->resolve(rel(k.name));
            auto layout = ref ? fs->layout(*ref) : std::unexpected(ref.error());
            if (!layout)
                read.push_back({&k, std::unexpected(layout.error()), false});
            else
                read.push_back({&k, fs->read_content(*ref, *layout), layout->inline_flag()});
        }
        E4I_TRY(guard.thaw());
    }
    for (auto& [k, content, inline_flag] : read) {
        disk_checks.fetch_add(1, std::memory_order_relaxed);
        if (!content) {
            mismatch(k->name, 0, fmt::format("disk: cannot be read from {}: {}", device, content.error().message()));
            continue;
        }
        if (k->converted && inline_flag)
            mismatch(k->name, capacity,
                     fmt::format("disk: still inline after growing past the capacity of {} bytes", capacity));
        compare(k->name, std::string_view(reinterpret_cast<const char*>(content->data()), content->size()),
                k->content, "disk");
    }
    return {};
}

}  // namespace e4inline::stress
