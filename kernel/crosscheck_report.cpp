// How a CrosscheckReport is shown: text for people, JSON for programs.
#include <fmt/format.h>

#include <map>

#include "e4inline/inspect.hpp"
#include "kernel/crosscheck.hpp"
#include "lib/text.hpp"

namespace e4inline {

namespace {

std::span<const std::uint8_t> row(const std::vector<std::uint8_t>& v, std::size_t from) {
    if (from >= v.size())
        return {};
    return std::span<const std::uint8_t>(v).subspan(from, std::min<std::size_t>(16, v.size() - from));
}

// One row of one side of the window, in the one hexdump format (inspect's
// hexdump(), as `hexdump -C`), after LABEL; a side with no bytes there (the
// file ends before) is its label and offset alone.
std::string side_row(const std::string& label, std::span<const std::uint8_t> bytes, std::uint64_t offset) {
    if (bytes.empty())
        return label + fmt::format("{:08x}\n", offset);
    return hexdump(bytes, offset, label);
}

std::map<std::string, std::size_t> kind_counts(const CrosscheckReport& r) {
    std::map<std::string, std::size_t> counts;
    for (const auto& m : r.mismatches)
        ++counts[mismatch_kind_name(m.kind)];
    return counts;
}

}  // namespace

std::string crosscheck_text(const CrosscheckReport& r) {
    // Every name, path and value that may hold one (a directory's entries,
    // a warning naming a file) goes through printable(): bytes from the disk
    // never reach the tty raw.
    std::string t;
    t += fmt::format("crosscheck {} on {}", printable(r.mountpoint), printable(r.device));
    if (!r.backing_file.empty())
        t += fmt::format(" (loop device of {})", printable(r.backing_file));
    t += fmt::format(", UUID {}\n", r.uuid);
    for (const auto& m : r.mismatches) {
        t += fmt::format("{} (inode {}, {}): {} mismatch: kernel {}, disk {}", printable(m.path), m.ino,
                         file_type_name(m.type), mismatch_kind_name(m.kind), printable(m.kernel), printable(m.disk));
        if (m.has_offset)
            t += fmt::format("; first difference at offset {}", m.offset);
        t += '\n';
        if (m.has_offset) {
            for (std::size_t from = 0; from < 32; from += 16) {
                const auto k = row(m.kernel_window, from), d = row(m.disk_window, from);
                if (k.empty() && d.empty())
                    break;
                t += side_row("    kernel ", k, m.window_offset + from);
                t += side_row("    disk   ", d, m.window_offset + from);
            }
        }
    }
    for (const auto& w : r.warnings)
        t += "warning: " + printable(w) + '\n';
    const auto& c = r.counts;
    t += fmt::format("checked {} inodes ({} regular, {} directories, {} symlinks; {} inline on disk), {} bytes; "
                     "{} skipped\n",
                     c.files, c.regular, c.directories, c.symlinks, c.inline_files, c.bytes, c.skipped);
    if (c.changed || c.vanished)
        t += fmt::format("{} changed while checking (read again under the freeze), {} vanished\n", c.changed,
                         c.vanished);
    if (r.frozen)
        t += fmt::format("frozen for {:.1f} ms; {:.1f} ms in all\n", r.freeze_ms, r.total_ms);
    else
        t += fmt::format("not frozen (syncfs); {:.1f} ms in all\n", r.total_ms);
    if (r.mismatches.empty()) {
        t += "all equal\n";
    } else {
        std::string kinds;
        for (const auto& [k, n] : kind_counts(r))
            kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", k, n);
        t += fmt::format("{} mismatches ({})\n", r.mismatches.size(), kinds);
    }
    return t;
}

nlohmann::ordered_json crosscheck_json(const CrosscheckReport& r) {
    using nlohmann::ordered_json;
    ordered_json j;
    put_name(j, "mountpoint", r.mountpoint);
    put_name(j, "device", r.device);
    put_name_or_null(j, "backing_file",
                     r.backing_file.empty() ? std::nullopt : std::optional<std::string>(r.backing_file));
    j["uuid"] = r.uuid;
    j["frozen"] = r.frozen;
    j["freeze_ms"] = r.freeze_ms;
    j["total_ms"] = r.total_ms;
    j["method"] = r.method;
    j["io_uring"] = r.io_uring;
    j["freeze_ioctl_ms"] = r.freeze_ioctl_ms;
    j["thaw_ioctl_ms"] = r.thaw_ioctl_ms;
    j["checkpoint"] = r.checkpoint;
    j["checkpoint_ms"] = r.checkpoint_ms;
    const auto& c = r.counts;
    j["counts"] = {{"inodes", c.files},          {"regular", c.regular},   {"directories", c.directories},
                   {"symlinks", c.symlinks},     {"inline", c.inline_files}, {"bytes", c.bytes},
                   {"skipped", c.skipped},       {"changed", c.changed},   {"vanished", c.vanished}};
    ordered_json ms = ordered_json::array();
    for (const auto& m : r.mismatches) {
        ordered_json o;
        put_name(o, "path", m.path);
        o["inode"] = m.ino;
        o["type"] = file_type_name(m.type);
        o["kind"] = mismatch_kind_name(m.kind);
        o["kernel"] = printable(m.kernel);
        o["disk"] = printable(m.disk);
        o["offset"] = m.has_offset ? ordered_json(m.offset) : ordered_json();
        if (m.has_offset) {
            o["window_offset"] = m.window_offset;
            o["kernel_hex"] = hex_string(m.kernel_window);
            o["disk_hex"] = hex_string(m.disk_window);
        } else {
            o["window_offset"] = nullptr;
            o["kernel_hex"] = nullptr;
            o["disk_hex"] = nullptr;
        }
        ms.push_back(std::move(o));
    }
    j["mismatches"] = std::move(ms);
    ordered_json kinds = ordered_json::object();
    for (const auto& [k, n] : kind_counts(r))
        kinds[k] = n;
    j["summary"] = {{"equal", r.equal()}, {"mismatches", r.mismatches.size()}, {"by_kind", kinds}};
    ordered_json ws = ordered_json::array();
    for (const auto& w : r.warnings)
        ws.push_back(printable(w));
    j["warnings"] = std::move(ws);
    return j;
}

}  // namespace e4inline
