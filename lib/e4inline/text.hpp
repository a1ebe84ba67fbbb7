// Rendering raw on-disk bytes as text: names and paths on disk are arbitrary
// bytes, while JSON strings must be UTF-8 and terminals want printable ASCII.
// (Kept free of <expected> so the clang-built fuzz target can use it.)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace e4inline {

// Printable ASCII as is, every other byte as \xNN: safe in JSON and on a tty.
std::string printable(std::string_view bytes);

// printable(), in double quotes, with " and \ escaped: for "Field: value" lines.
std::string c_quoted(std::string_view bytes);

// Two lower-case hex digits a byte.
std::string hex_string(std::span<const std::uint8_t> bytes);

}  // namespace e4inline
