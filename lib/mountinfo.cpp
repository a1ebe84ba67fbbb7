#include "lib/mountinfo.hpp"
#include "lib/e4inlineP.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <blkid/blkid.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace e4inline {

std::string unescape_mount_field(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 4 <= s.size()) {
            int v = 0;
            auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 4, v, 8);
            if (ec == std::errc() && p == s.data() + i + 4) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

namespace {

bool is_under(const std::string& path, const std::string& dir) {
    if (dir == "/")
        return true;
    return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

// One line of proc(5) mountinfo:
// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
std::optional<MountInfo> parse_line(const std::string& line) {
    std::istringstream in(line);
    std::string id, parent, majmin, root, point, opts;
    if (!(in >> id >> parent >> majmin >> root >> point >> opts))
        return std::nullopt;
    std::string field;
    while (in >> field && field != "-") {
    }
    std::string fstype, source;
    if (!(in >> fstype >> source))
        return std::nullopt;
    MountInfo m;
    std::from_chars(id.data(), id.data() + id.size(), m.mount_id);
    unsigned maj = 0, min = 0;
    const auto colon = majmin.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    std::from_chars(majmin.data(), majmin.data() + colon, maj);
    std::from_chars(majmin.data() + colon + 1, majmin.data() + majmin.size(), min);
    m.dev = makedev(maj, min);
    m.root = unescape_mount_field(root);
    m.mountpoint = unescape_mount_field(point);
    m.options = opts;
    m.fstype = fstype;
    m.source = unescape_mount_field(source);
    return m;
}

}  // namespace

Result<std::vector<MountInfo>> mount_table() {
    std::ifstream in("/proc/self/mountinfo");
    if (!in)
        return unexpected(errno_error(errno, "reading", "/proc/self/mountinfo"));
    std::vector<MountInfo> out;
    for (std::string line; std::getline(in, line);)
        if (auto m = parse_line(line))
            out.push_back(std::move(*m));
    return out;
}

Result<MountInfo> find_mount(const std::string& dir) {
    struct stat st{};
    if (stat(dir.c_str(), &st) != 0)
        return unexpected(errno_error(errno, "looking up", dir));
    std::unique_ptr<char, decltype(&free)> real(realpath(dir.c_str(), nullptr), &free);
    if (!real)
        return unexpected(errno_error(errno, "resolving", dir));
    const std::string path = real.get();
    auto mounts = mount_table();
    if (!mounts)
        return unexpected(mounts.error());
    // Later lines are mounted over earlier ones: the last match is the visible mount.
    std::optional<MountInfo> found;
    for (auto& m : *mounts)
        if (m.dev == st.st_dev && is_under(path, m.mountpoint))
            if (!found || m.mountpoint.size() >= found->mountpoint.size())
                found = std::move(m);
    if (!found)
        return unexpected(plain_error(ExitCode::operational, "no mount in /proc/self/mountinfo holds it", dir));
    return *found;
}

Result<std::string> mount_device(const MountInfo& mount) {
    struct stat st{};
    if (!mount.source.empty() && mount.source[0] == '/' && stat(mount.source.c_str(), &st) == 0 &&
        S_ISBLK(st.st_mode) && st.st_rdev == mount.dev)
        return mount.source;
    const std::string alt = fmt::format("/dev/block/{}:{}", major(mount.dev), minor(mount.dev));
    if (stat(alt.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
        return alt;
    return unexpected(plain_error(ExitCode::operational,
                                       fmt::format("no block device node for {} (device {}:{})", mount.source,
                                                   major(mount.dev), minor(mount.dev)),
                                       mount.mountpoint));
}

std::optional<std::string> loop_backing_file(const std::string& device) {
    struct stat st{};
    if (stat(device.c_str(), &st) != 0 || !S_ISBLK(st.st_mode))
        return std::nullopt;
    std::ifstream in(fmt::format("/sys/dev/block/{}:{}/loop/backing_file", major(st.st_rdev), minor(st.st_rdev)));
    std::string backing;
    if (!in || !std::getline(in, backing) || backing.empty())
        return std::nullopt;
    return backing;
}

Result<DeviceProbe> probe_device(const std::string& device) {
    blkid_probe pr = blkid_new_probe_from_filename(device.c_str());
    if (!pr)
        return unexpected(errno_error(errno ? errno : EIO, "probing", device));
    std::unique_ptr<std::remove_pointer_t<blkid_probe>, decltype(&blkid_free_probe)> owner(pr, &blkid_free_probe);
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
    const int rc = blkid_do_safeprobe(pr);
    if (rc == 1)
        return unexpected(plain_error(ExitCode::operational, "libblkid finds no filesystem on it", device));
    if (rc < 0)
        return unexpected(plain_error(ExitCode::operational,
                                           "libblkid cannot tell what it holds (ambiguous or unreadable)", device));
    DeviceProbe probe;
    const char* value = nullptr;
    if (blkid_probe_lookup_value(pr, "TYPE", &value, nullptr) == 0 && value)
        probe.type = value;
    if (blkid_probe_lookup_value(pr, "UUID", &value, nullptr) == 0 && value)
        probe.uuid = value;
    return probe;
}

}  // namespace e4inline
