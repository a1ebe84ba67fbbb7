// snapshot: a manifest of what the kernel shows of a mounted filesystem (per
// file: inode, type, size, the inline flag, a SHA-256 of the page-cache
// content), and the offline check of an image against it, for after an
// unmount or after a crash and journal replay.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernel/crosscheck.hpp"
#include "e4inline/error.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

// FIPS 180-4 SHA-256, lower-case hex.
std::string sha256_hex(std::span<const std::uint8_t> data);

// What a directory's content is for hashing: its entries but "." and "..",
// sorted by name, each "NAME\0INODE\n". Both sides hash the same text.
std::vector<std::uint8_t> directory_digest_text(std::vector<std::pair<std::string, std::uint64_t>> entries);

struct ManifestEntry {
    std::string path;
    std::uint64_t ino = 0;
    FileType type = FileType::unknown;
    std::uint64_t size = 0;
    std::optional<bool> inline_flag;  // FS_IOC_GETFLAGS; none for symlinks
    std::string sha256;
};

struct Manifest {
    std::string mountpoint;
    std::string device;
    std::string uuid;
    std::vector<ManifestEntry> files;
    std::vector<std::string> warnings;
};

// Record PATHS (all of the filesystem when empty) of the filesystem mounted on MOUNTPOINT.
Result<Manifest> snapshot(const std::string& mountpoint, const std::vector<std::string>& paths = {});
nlohmann::ordered_json manifest_json(const Manifest& m);
Result<Manifest> manifest_from_json(const nlohmann::json& j, const std::string& source);

struct ManifestCheck {
    std::string image;
    std::string manifest;
    std::uint64_t checked = 0;
    std::vector<Mismatch> mismatches;  // kernel = the manifest's value, disk = the image's
    bool equal() const { return mismatches.empty(); }
};

// Compare IMAGE (unmounted) with the manifest in MANIFEST_FILE.
Result<ManifestCheck> check_manifest(const std::string& manifest_file, const std::string& image);
std::string manifest_check_text(const ManifestCheck& c);
nlohmann::ordered_json manifest_check_json(const ManifestCheck& c);

}  // namespace e4inline
