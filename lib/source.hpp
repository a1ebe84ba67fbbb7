// Reading what a command takes from outside the image (the content of a new
// file, a manifest), bounded: a source may be endless (/dev/zero, a pipe) or
// claim a size it does not have (/proc), so nothing is sized by st_size and
// nothing is read past what can be used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "e4inline/error.hpp"

namespace e4inline {

// The bytes of PATH ("-" for standard input), at most LIMIT + 1 of them: a
// result longer than LIMIT means the source holds more. A directory, or a
// source that cannot be opened or read, is an Error naming PATH.
Result<std::vector<std::uint8_t>> read_source(const std::string& path, std::size_t limit);

// The same from an open descriptor (not closed); NAME is for messages.
Result<std::vector<std::uint8_t>> read_source_fd(int fd, const std::string& name, std::size_t limit);

}  // namespace e4inline
