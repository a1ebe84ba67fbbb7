// Making block allocation fail, as shapes A, B and D need: the conversion out of
// inline data (ext4_convert_inline_data, ext4_da_convert_inline_data_to_extent) must
// hit ENOSPC. Filling the filesystem with one preallocated file does it; root ignores
// the reserved blocks, so the fill is taken down to the last free block.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "stress/workload.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline::stress {

Result<FailingAllocation> FailingAllocation::make(const std::string& dir) {
    std::string path = dir + "/.fill";
    const UniqueFd owner(::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600));
    if (!owner)
        return unexpected(errno_error(errno, "creating", path));
    const int fd = owner.get();
    FailingAllocation guard(path);
    struct statvfs sv {};
    if (::fstatvfs(fd, &sv) != 0)
        return unexpected(errno_error(errno, "reading free space of", dir));
    // Grab the free space in halving chunks until even one block does not fit.
    const off_t block = static_cast<off_t>(sv.f_bsize);
    off_t chunk = static_cast<off_t>(sv.f_bfree) * block;
    off_t at = 0;
    while (chunk >= block) {
        if (::fallocate(fd, 0, at, chunk) == 0) {
            at += chunk;
            continue;
        }
        if (errno != ENOSPC)
            return unexpected(errno_error(errno, "filling the filesystem with", path));
        chunk /= 2;
        chunk -= chunk % block;
    }
    ::fsync(fd);
    return guard;
}

FailingAllocation::~FailingAllocation() {
    if (!path_.empty())
        ::unlink(path_.c_str());
}

}  // namespace e4inline::stress
