// Moving an inode's data between inline storage and extents (or the block
// map on filesystems without extents), keeping i_size, content, flags, block
// accounting and checksums right.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "e4inline/error.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

enum class ConvertTarget { extents, inline_data };
E4I_EXPORT const char* convert_target_name(ConvertTarget t);

enum class ConvertStatus {
    converted,      // done (or, on a dry run, would be done)
    already,        // already stored as asked
    refused,        // cannot be stored as asked; reason says why
};

struct ConvertOutcome {
    InodeRef ref;
    ConvertStatus status = ConvertStatus::refused;
    FileType type = FileType::unknown;
    std::uint64_t size = 0;      // i_size, kept
    std::size_t capacity = 0;    // inline capacity of the inode
    std::string category;        // short refusal class for summaries ("does not fit", ...)
    std::string reason;          // the full sentence
};

// Convert one inode. With dry_run nothing is written. A refusal is an outcome
// (exit 1 for the tool), an operational failure an Error; either way the
// image is left consistent.
E4I_EXPORT Result<ConvertOutcome> convert_inode(Filesystem& fs, const InodeRef& ref, ConvertTarget target, bool dry_run);

struct ConvertSummary {
    std::uint64_t examined = 0, converted = 0, already = 0, refused = 0;
    std::map<std::string, std::uint64_t> refusals;  // category -> count
};

// Convert every regular file, directory and symlink in the image, or under
// directory UNDER (itself included) when it is not empty. PROGRESS is called
// with (done, total) after each inode. Stops at the first operational error.
E4I_EXPORT Result<ConvertSummary> convert_all(Filesystem& fs, const std::string& under, ConvertTarget target, bool dry_run,
                                              const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

E4I_EXPORT std::string convert_summary_text(const ConvertSummary& s, ConvertTarget target, bool dry_run);

}  // namespace e4inline
