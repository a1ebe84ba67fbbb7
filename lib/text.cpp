#include "e4inline/text.hpp"

#include <fmt/format.h>

namespace e4inline {

namespace {
bool is_printable(unsigned char c) { return c >= 0x20 && c < 0x7f; }
}  // namespace

std::string printable(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (unsigned char c : bytes)
        out += is_printable(c) ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
    return out;
}

std::string c_quoted(std::string_view bytes) {
    std::string out = "\"";
    for (unsigned char c : bytes) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += is_printable(c) ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
    }
    return out + "\"";
}

std::string hex_string(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes)
        out += fmt::format("{:02x}", b);
    return out;
}

}  // namespace e4inline
