#include "e4inline/snapshot.hpp"

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
#include "e4inline/kernel_view.hpp"
#include "e4inline/mountinfo.hpp"

namespace e4inline {

namespace {

constexpr const char* manifest_format = "e4inline-manifest";
constexpr int manifest_version = 1;

FileType type_from_name(const std::string& s) {
    for (auto t : {FileType::regular, FileType::directory, FileType::symlink})
        if (s == file_type_name(t))
            return t;
    return FileType::unknown;
}

// A directory's entries as libext2fs reads them (inline or in blocks).
Result<std::vector<std::pair<std::string, std::uint64_t>>> disk_dir_entries(const Filesystem& fs, ext2_ino_t ino,
                                                                            const std::string& path) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    auto cb = [](ext2_ino_t, int, struct ext2_dir_entry* d, int, int, char*, void* priv) -> int {
        auto* v = static_cast<std::vector<std::pair<std::string, std::uint64_t>>*>(priv);
        const std::string name(d->name, ext2fs_dirent_name_len(d));
        if (d->inode != 0 && name != "." && name != "..")
            v->emplace_back(name, d->inode);
        return 0;
    };
    if (errcode_t err = ext2fs_dir_iterate2(fs.raw(), ino, 0, nullptr, cb, &out))
        return std::unexpected(fs.error(err, "reading directory", path));
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
        return std::unexpected(errno_error(errno, "resolving", mountpoint));
    Manifest m;
    m.mountpoint = real.get();
    const MountInfo mount = E4I_TRY(find_mount(m.mountpoint));
    if (mount.fstype != "ext4")
        return std::unexpected(plain_error(ExitCode::operational,
                                           fmt::format("is on a {} filesystem, not ext4", mount.fstype), m.mountpoint));
    if (auto dev = mount_device(mount)) {
        m.device = *dev;
        if (auto probe = probe_device(*dev))
            m.uuid = probe->uuid;
    }
    const int fd = open(m.mountpoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return std::unexpected(errno_error(errno, "opening", m.mountpoint));
    std::unique_ptr<const int, void (*)(const int*)> owner(&fd, [](const int* p) { close(*p); });
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
    j["mountpoint"] = m.mountpoint;
    j["device"] = m.device;
    j["uuid"] = m.uuid;
    ordered_json files = ordered_json::array();
    for (const auto& e : m.files) {
        ordered_json f;
        f["path"] = e.path;
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
        return std::unexpected(plain_error(ExitCode::operational, "not an e4inline manifest: " + why, source));
    };
    if (!j.is_object() || j.value("format", "") != manifest_format)
        return bad("no \"format\": \"e4inline-manifest\"");
    if (j.value("version", 0) != manifest_version)
        return bad(fmt::format("version is not {}", manifest_version));
    Manifest m;
    m.mountpoint = j.value("mountpoint", "");
    m.device = j.value("device", "");
    m.uuid = j.value("uuid", "");
    if (!j.contains("files") || !j["files"].is_array())
        return bad("no \"files\" array");
    for (const auto& f : j["files"]) {
        if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("inode") ||
            !f["inode"].is_number_unsigned() || !f.contains("size") || !f["size"].is_number_unsigned() ||
            !f.contains("sha256") || !f["sha256"].is_string() || !f.contains("type") || !f["type"].is_string())
            return bad("a file entry lacks path, inode, type, size or sha256");
        ManifestEntry e;
        e.path = f["path"].get<std::string>();
        e.ino = f["inode"].get<std::uint64_t>();
        e.type = type_from_name(f["type"].get<std::string>());
        e.size = f["size"].get<std::uint64_t>();
        if (f.contains("inline") && f["inline"].is_boolean())
            e.inline_flag = f["inline"].get<bool>();
        e.sha256 = f["sha256"].get<std::string>();
        m.files.push_back(std::move(e));
    }
    return m;
}

Result<ManifestCheck> check_manifest(const std::string& manifest_file, const std::string& image) {
    initialize_ext2_error_table();  // readable libext2fs messages
    std::ifstream in(manifest_file);
    if (!in)
        return std::unexpected(errno_error(errno ? errno : ENOENT, "opening", manifest_file));
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded())
        return std::unexpected(plain_error(ExitCode::operational, "not valid JSON", manifest_file));
    const Manifest m = E4I_TRY(manifest_from_json(j, manifest_file));
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
    std::string t = fmt::format("crosscheck {} against manifest {}\n", c.image, c.manifest);
    std::map<std::string, std::size_t> kinds;
    for (const auto& m : c.mismatches) {
        t += fmt::format("{} (inode {}, {}): {} mismatch: manifest {}, image {}\n", m.path, m.ino,
                         file_type_name(m.type), mismatch_kind_name(m.kind), m.kernel, m.disk);
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
    for (const auto& m : c.mismatches)
        ms.push_back({{"path", m.path},
                      {"inode", m.ino},
                      {"type", file_type_name(m.type)},
                      {"kind", mismatch_kind_name(m.kind)},
                      {"manifest", m.kernel},
                      {"image", m.disk}});
    return {{"image", c.image},       {"manifest", c.manifest},         {"checked", c.checked},
            {"equal", c.equal()},     {"mismatches", std::move(ms)}};
}

}  // namespace e4inline
