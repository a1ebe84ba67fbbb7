#include "lib/source.hpp"
#include "lib/e4inlineP.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace e4inline {

Result<std::vector<std::uint8_t>> read_source_fd(int fd, const std::string& name, std::size_t limit) {
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        return unexpected(plain_error(ExitCode::operational, "is a directory, not a file", name));
    std::vector<std::uint8_t> data;
    // Grow with what arrives, one chunk at a time, up to LIMIT + 1 bytes.
    constexpr std::size_t chunk = 64 * 1024;
    const std::size_t want = limit == SIZE_MAX ? limit : limit + 1;
    while (data.size() < want) {
        const std::size_t done = data.size();
        data.resize(done + std::min(chunk, want - done));
        const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            data.resize(done);
            continue;
        }
        if (n < 0) {
            const int err = errno;
            return unexpected(errno_error(err, "reading", name));
        }
        data.resize(done + static_cast<std::size_t>(n));
        if (n == 0)
            break;
    }
    return data;
}

Result<std::vector<std::uint8_t>> read_source(const std::string& path, std::size_t limit) {
    if (path == "-")
        return read_source_fd(STDIN_FILENO, "standard input", limit);
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return unexpected(errno_error(errno, "opening", path));
    return read_source_fd(fd.get(), path, limit);
}

}  // namespace e4inline
