// What the fuzz targets over a filesystem share: a small inline_data image
// made once by mke2fs (from a source tree, for the targets that read one),
// and a memfd holding a fresh copy of it for each input.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace e4inline::fuzz {

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0)
            close(fd);
    }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
};

inline bool write_all(int fd, const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size) {
        const ssize_t n = write(fd, p, size);
        if (n <= 0)
            return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// A scratch directory for the whole run, removed at exit.
inline const std::string& scratch_dir() {
    static const std::string dir = [] {
        char tmpl[] = "/tmp/e4i-fuzz.XXXXXX";
        std::string d = mkdtemp(tmpl) ? tmpl : "/tmp";
        static std::string to_remove = d;
        std::atexit([] { (void)std::system(("rm -rf '" + to_remove + "'").c_str()); });
        return d;
    }();
    return dir;
}

// mke2fs -t ext4 -O inline_data with 1 KiB blocks, from SOURCE_DIR when given.
inline std::vector<char> make_image(const std::string& name, const std::string& size,
                                    const std::string& source_dir = {}) {
    const std::string img = scratch_dir() + "/" + name;
    const std::string cmd = "mke2fs -q -F -t ext4 -b 1024 -N 64 -O inline_data,^has_journal,^resize_inode "
                            "-E root_owner=0:0 " +
                            (source_dir.empty() ? "" : "-d '" + source_dir + "' ") + "'" + img + "' " + size +
                            " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "fuzz: %s failed\n", cmd.c_str());
        std::abort();
    }
    std::ifstream in(img, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh memfd holding BYTES.
inline bool memfd_with(Fd& out, const void* bytes, std::size_t size) {
    out.fd = memfd_create("e4inline-fuzz", 0);
    return out.fd >= 0 && write_all(out.fd, bytes, size);
}

}  // namespace e4inline::fuzz
