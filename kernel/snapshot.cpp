#include "kernel/snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <memory>

#include "e4inline/filesystem.hpp"
#include "kernel/kernel_view.hpp"
#include "lib/mountinfo.hpp"
#include "lib/source.hpp"
#include "lib/text.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace {

constexpr const char* manifest_format = "e4inline-manifest";
constexpr int manifest_version = 1;
// A snapshot takes about 200 bytes a file: this is over a million files.
constexpr std::size_t max_manifest_bytes = std::size_t{256} << 20;

FileType type_from_name(const std::string& s) {
    for (auto t : {FileType::regular, FileType::directory, FileType::symlink})
        if (s == file_type_name(t))
            return t;
    return FileType::unknown;
}

// A directory's entries as libext2fs reads them (inline or in blocks).
Result<std::vector<std::pair<std::string, std::uint64_t>>> disk_dir_entries(const Filesystem& fs, ext2_ino_t ino,
                                                                            const std::string& path) {
    const DirListing listing = E4I_TRY(list_dir(fs, ino, path));
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& e : listing.entries)
        out.emplace_back(e.name, e.ino);
    return out;
}

}  // namespace

std::vector<std::uint8_t> directory_digest_text(std::vector<std::pair<std::string, std::uint64_t>> entries) {
    std::sort(entries.begin(), entries.end());
    std::vector<std::uint8_t> out;
    for (const auto& [name, ino] : entries) {
        out.insert(out.end(), name.begin(), name.end());
        out.push_back(0);
        const std::string n = std::to_string(ino) + "\n";
        out.insert(out.end(), n.begin(), n.end());
    }
    return out;
}

Result<Manifest> snapshot(const std::string& mountpoint, const std::vector<std::string>& paths) {
    std::unique_ptr<char, decltype(&std::free)> real(realpath(mountpoint.c_str(), nullptr), &std::free);
    if (!real)
        return unexpected(errno_error(errno, "resolving", mountpoint));
    Manifest m;
    m.mountpoint = real.get();
    const MountInfo mount = E4I_TRY(find_mount(m.mountpoint));
    if (mount.fstype != "ext4")
        return unexpected(plain_error(ExitCode::operational,
                                           fmt::format("is on a {} filesystem, not ext4", mount.fstype), m.mountpoint));
    if (auto dev = mount_device(mount)) {
        m.device = *dev;
        if (auto probe = probe_device(*dev))
            m.uuid = probe->uuid;
    }
    const UniqueFd owner(open(m.mountpoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!owner)
        return unexpected(errno_error(errno, "opening", m.mountpoint));
    const int fd = owner.get();
    KernelViewOptions kv;
    kv.fiemap = false;
    kv.max_buffered = std::uint64_t{1} << 30;
    KernelView view = E4I_TRY(read_kernel_view(fd, mount.dev, m.mountpoint, paths, kv));
    m.warnings = std::move(view.warnings);
    for (const auto& f : view.files) {
        ManifestEntry e;
        e.path = f.path;
        e.ino = f.ino;
        e.type = f.type;
        e.size = f.size;
        if (f.has_flags)
            e.inline_flag = f.kernel_inline();
        if (f.type == FileType::directory) {
            std::vector<std::pair<std::string, std::uint64_t>> entries;
            for (const auto& d : f.entries)
                entries.emplace_back(d.name, d.ino);
            e.sha256 = sha256_hex(directory_digest_text(std::move(entries)));
        } else {
            e.sha256 = sha256_hex(f.bytes);
        }
        m.files.push_back(std::move(e));
    }
    // The walk is parallel: order the manifest so that it can be diffed.
    std::sort(m.files.begin(), m.files.end(),
              [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
    return m;
}

nlohmann::ordered_json manifest_json(const Manifest& m) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["format"] = manifest_format;
    j["version"] = manifest_version;
    put_name(j, "mountpoint", m.mountpoint);
    put_name(j, "device", m.device);
    j["uuid"] = m.uuid;
    ordered_json files = ordered_json::array();
    for (const auto& e : m.files) {
        ordered_json f;
        put_name(f, "path", e.path);
        f["inode"] = e.ino;
        f["type"] = file_type_name(e.type);
        f["size"] = e.size;
        f["inline"] = e.inline_flag ? ordered_json(*e.inline_flag) : ordered_json();
        f["sha256"] = e.sha256;
        files.push_back(std::move(f));
    }
    j["files"] = std::move(files);
    return j;
}

Result<Manifest> manifest_from_json(const nlohmann::json& j, const std::string& source) {
    auto bad = [&](const std::string& why) {
        return unexpected(plain_error(ExitCode::operational, "not an e4inline manifest: " + why, source));
    };
    // Every value is read with its type checked (e4inline/text.hpp): a
    // manifest is input, and input never decides what the tool does.
    std::string why, format;
    std::uint64_t version = 0;
    if (!json_read(j, "format", format, why))
        return bad(why);
    if (format != manifest_format)
        return bad(fmt::format("\"format\" is not \"{}\"", manifest_format));
    if (!json_read(j, "version", version, why))
        return bad(why);
    if (version != manifest_version)
        return bad(fmt::format("\"version\" is {}, this e4inline reads {}", version, manifest_version));
    Manifest m;
    if (!json_read_name(j, "mountpoint", m.mountpoint, why, Presence::optional) ||
        !json_read_name(j, "device", m.device, why, Presence::optional) ||
        !json_read(j, "uuid", m.uuid, why, Presence::optional))
        return bad(why);
    const auto files = j.find("files");
    if (files == j.end() || !files->is_array())
        return bad("no \"files\" array");
    for (std::size_t i = 0; i < files->size(); ++i) {
        const auto& f = (*files)[i];
        ManifestEntry e;
        std::string type;
        if (!json_read_name(f, "path", e.path, why) || !json_read(f, "inode", e.ino, why) ||
            !json_read(f, "type", type, why) || !json_read(f, "size", e.size, why) ||
            !json_read(f, "inline", e.inline_flag, why, Presence::optional) ||
            !json_read(f, "sha256", e.sha256, why))
            return bad(fmt::format("files[{}]: {}", i, why));
        if (e.ino == 0 || e.ino > UINT32_MAX)
            return bad(fmt::format("files[{}]: \"inode\" {} is not an inode number", i, e.ino));
        e.type = type_from_name(type);
        m.files.push_back(std::move(e));
    }
    return m;
}

Result<ManifestCheck> check_manifest(const std::string& manifest_file, const std::string& image) {
    initialize_ext2_error_table();  // readable libext2fs messages
    const auto text = E4I_TRY(read_source(manifest_file, max_manifest_bytes));
    if (text.size() > max_manifest_bytes)
        return unexpected(plain_error(
            ExitCode::operational, fmt::format("larger than {} MiB: not a manifest", max_manifest_bytes >> 20),
            manifest_file));
    std::string why;
    const auto j = parse_json(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), why);
    if (!j)
        return unexpected(plain_error(ExitCode::operational, why, manifest_file));
    const Manifest m = E4I_TRY(manifest_from_json(*j, manifest_file));
    Filesystem fs = E4I_TRY(Filesystem::open(image));
    ManifestCheck check;
    check.image = image;
    check.manifest = manifest_file;
    for (const auto& e : m.files) {
        ++check.checked;
        auto add = [&](MismatchKind kind, std::string was, std::string now) {
            check.mismatches.push_back(Mismatch{.path = e.path,
                                                .ino = static_cast<ext2_ino_t>(e.ino),
                                                .type = e.type,
                                                .kind = kind,
                                                .kernel = std::move(was),
                                                .disk = std::move(now)});
        };
        auto ref = fs.resolve(e.path);
        if (!ref) {
            add(MismatchKind::missing, "present",
                "absent (" + (ref.error().reason.empty() ? ref.error().message() : ref.error().reason) + ")");
            continue;
        }
        if (ref->ino != e.ino)
            add(MismatchKind::inode, fmt::format("inode {}", e.ino), fmt::format("inode {}", ref->ino));
        auto layout = fs.layout(*ref);
        if (!layout) {
            add(MismatchKind::disk_layout, "-", layout.error().message());
            continue;
        }
        if (layout->type != e.type) {
            add(MismatchKind::type, file_type_name(e.type), file_type_name(layout->type));
            continue;
        }
        if (e.inline_flag && *e.inline_flag != layout->inline_flag())
            add(MismatchKind::flag, *e.inline_flag ? "inline" : "not inline",
                layout->inline_flag() ? "inline" : "not inline");
        if (e.size != layout->size)
            add(MismatchKind::size, fmt::format("size {}", e.size), fmt::format("i_size {}", layout->size));
        std::string digest;
        if (e.type == FileType::directory) {
            auto entries = disk_dir_entries(fs, ref->ino, e.path);
            if (!entries) {
                add(MismatchKind::disk_layout, "-", entries.error().message());
                continue;
            }
            digest = sha256_hex(directory_digest_text(std::move(*entries)));
        } else {
            auto content = fs.read_content(*ref);
            if (!content) {
                add(MismatchKind::disk_layout, "-", content.error().message());
                continue;
            }
            digest = sha256_hex(*content);
        }
        if (digest != e.sha256)
            add(e.type == FileType::directory ? MismatchKind::dir_entries
                : e.type == FileType::symlink ? MismatchKind::symlink_target
                                              : MismatchKind::content,
                "sha256 " + e.sha256.substr(0, 16), "sha256 " + digest.substr(0, 16));
    }
    return check;
}

std::string manifest_check_text(const ManifestCheck& c) {
    // Names and paths are bytes from the disk or the user: printable() for the tty.
    std::string t = fmt::format("crosscheck {} against manifest {}\n", printable(c.image), printable(c.manifest));
    std::map<std::string, std::size_t> kinds;
    for (const auto& m : c.mismatches) {
        t += fmt::format("{} (inode {}, {}): {} mismatch: manifest {}, image {}\n", printable(m.path), m.ino,
                         file_type_name(m.type), mismatch_kind_name(m.kind), printable(m.kernel),
                         printable(m.disk));
        ++kinds[mismatch_kind_name(m.kind)];
    }
    t += fmt::format("checked {} manifest entries\n", c.checked);
    if (c.mismatches.empty())
        return t + "all equal\n";
    std::string list;
    for (const auto& [k, n] : kinds)
        list += fmt::format("{}{} {}", list.empty() ? "" : ", ", k, n);
    return t + fmt::format("{} mismatches ({})\n", c.mismatches.size(), list);
}

nlohmann::ordered_json manifest_check_json(const ManifestCheck& c) {
    using nlohmann::ordered_json;
    ordered_json ms = ordered_json::array();
    for (const auto& m : c.mismatches) {
        ordered_json o;
        put_name(o, "path", m.path);
        o.update(ordered_json{{"inode", m.ino},
                             {"type", file_type_name(m.type)},
                             {"kind", mismatch_kind_name(m.kind)},
                             {"manifest", printable(m.kernel)},
                             {"image", printable(m.disk)}});
        ms.push_back(std::move(o));
    }
    ordered_json j;
    put_name(j, "image", c.image);
    put_name(j, "manifest", c.manifest);
    j["checked"] = c.checked;
    j["equal"] = c.equal();
    j["mismatches"] = std::move(ms);
    return j;
}

}  // namespace e4inline
