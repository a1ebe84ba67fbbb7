// What reached the disk, for the workloads whose point is a write the page cache
// shows and the disk never gets (findings (a) and (b) of the reference): the
// filesystem is frozen, which makes the disk consistent (FIFREEZE syncs, flushes
// delalloc and checkpoints the journal into the home locations), the files are
// read from the device with O_DIRECT through libext2fs (so neither the page cache
// nor the kernel's buffer cache of the inode tables answers), and only then thawed.
// Reading before the freeze would report delalloc'd data as lost; reading the
// device without O_DIRECT would show the kernel's in-memory inode buffers.
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>

#include <fmt/core.h>

#include "e4inline/filesystem.hpp"
#include "kernel/freeze.hpp"
#include "stress/workload.hpp"

namespace e4inline::stress {

namespace {

struct FileOnDisk {
    Result<std::vector<std::uint8_t>> content;
    bool inline_flag = false;
};

// One file read through libext2fs: a path relative to the filesystem's root, or
// starting with '/'.
FileOnDisk read_file_on_disk(const Filesystem& fs, const std::string& path) {
    auto ref = fs.resolve(path);
    auto layout = ref ? fs.layout(*ref) : unexpected(ref.error());
    if (!layout)
        return {unexpected(layout.error()), false};
    return {fs.read_content(*ref, *layout), layout->inline_flag()};
}

}  // namespace

Result<void> Context::check_on_disk(const std::vector<KnownFile>& known) {
    if (known.empty())
        return {};
    if (::geteuid() != 0)
        return unexpected(plain_error(
            ExitCode::operational, "the disk check needs root (CAP_SYS_ADMIN to freeze the filesystem and read its device)",
            mountpoint));
    struct OnDisk {
        const KnownFile* known;
        FileOnDisk file;
    };
    if (device.empty())
        return unexpected(plain_error(ExitCode::operational,
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
            return unexpected(fs.error());
        for (const auto& k : known)
            read.push_back({&k, read_file_on_disk(*fs, rel(k.name))});
        E4I_TRY(guard.thaw());
    }
    for (auto& [k, file] : read) {
        const auto& [content, inline_flag] = file;
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

namespace e4inline {

namespace {

Result<nlohmann::json> read_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return unexpected(errno_error(errno, "opening", path));
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return unexpected(plain_error(ExitCode::operational, "is not a JSON stress report", path));
    return j;
}

}  // namespace

Result<ImageCheck> check_image_against_report(const std::string& image, const std::string& report_path) {
    auto report = E4I_TRY(read_json_file(report_path));
    // Each file once, where it was first listed, with its last entry: the state the
    // run left it in (an iteration that failed lists it before the one that rewrote it).
    std::vector<std::string> order;
    std::map<std::string, std::string> expected;
    if (report.contains("files")) {
        const auto& files = report["files"];
        if (!files.is_array())
            return unexpected(plain_error(ExitCode::operational, "\"files\" is not an array", report_path));
        for (const auto& f : files) {
            if (!f.is_object() || !f.value("file", nlohmann::json()).is_string() ||
                !f.value("size", nlohmann::json()).is_number_unsigned() ||
                !f.value("cksum", nlohmann::json()).is_number_unsigned())
                return unexpected(plain_error(
                    ExitCode::operational, fmt::format("a \"files\" entry without file, size and cksum: {}", f.dump()),
                    report_path));
            auto name = f["file"].get<std::string>();
            if (!expected.contains(name))
                order.push_back(name);
            expected[name] = fmt::format("{} {}", f["cksum"].get<std::uint64_t>(), f["size"].get<std::uint64_t>());
        }
    }
    auto fs = E4I_TRY(Filesystem::open(image));
    ImageCheck out;
    for (const auto& name : order) {
        ++out.files;
        auto file = stress::read_file_on_disk(fs, name);
        std::string got;
        if (!file.content)
            got = "unreadable: " + file.content.error().message();
        else
            got = fmt::format("{} {}",
                              posix_cksum(std::string_view(reinterpret_cast<const char*>(file.content->data()),
                                                           file.content->size())),
                              file.content->size());
        if (got != expected[name])
            out.mismatches.push_back({name, expected[name], std::move(got)});
    }
    return out;
}

nlohmann::ordered_json image_check_json(const ImageCheck& check) {
    nlohmann::ordered_json j;
    j["files"] = check.files;
    j["mismatches"] = nlohmann::ordered_json::array();
    for (const auto& m : check.mismatches)
        j["mismatches"].push_back({{"file", m.file}, {"expected", m.expected}, {"got", m.got}});
    return j;
}

}  // namespace e4inline
