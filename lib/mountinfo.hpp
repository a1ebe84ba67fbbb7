// The mounted filesystem behind a directory: which mount it is in
// /proc/self/mountinfo, which block device holds it, what libblkid says that
// device is, and the file behind it when it is a loop device.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "e4inline/error.hpp"

namespace e4inline {

struct MountInfo {
    int mount_id = 0;
    dev_t dev = 0;            // st_dev of every inode of this filesystem
    std::string root;         // the directory of the filesystem mounted here ("/" unless a bind mount)
    std::string mountpoint;   // as the kernel shows it
    std::string fstype;       // "ext4"
    std::string source;       // the mount source, e.g. /dev/loop3
    std::string options;      // per-mount options ("rw,noatime")
};

// The mount that DIR lives on: the last mountinfo line whose device is
// DIR's st_dev and whose mount point is DIR or an ancestor of it.
Result<MountInfo> find_mount(const std::string& dir);

// The block device node for a mount: its source when that is a block device
// with the mount's st_dev, else /dev/block/MAJ:MIN.
Result<std::string> mount_device(const MountInfo& mount);

// The backing file of a loop device (/sys/block/loopN/loop/backing_file),
// or nothing when DEVICE is not a loop device.
std::optional<std::string> loop_backing_file(const std::string& device);

struct DeviceProbe {
    std::string type;  // libblkid TYPE ("ext4", "ext2", ...)
    std::string uuid;  // libblkid UUID, the lower-case 8-4-4-4-12 form
};

// /proc/self/mounts and mountinfo write space, tab, newline and backslash
// in a field as \ooo; this gives the bytes back.
std::string unescape_mount_field(std::string_view field);

// Probe DEVICE's superblock with libblkid.
Result<DeviceProbe> probe_device(const std::string& device);

}  // namespace e4inline
