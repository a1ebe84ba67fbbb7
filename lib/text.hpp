// The one edge between bytes and text: raw on-disk bytes rendered for a tty,
// names put into JSON losslessly, and JSON read back into values with every
// type checked. Names and paths on disk are arbitrary bytes, while JSON
// strings must be UTF-8.
// (Kept free of <expected> so the clang-built fuzz targets can use it.)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace e4inline {

// Printable ASCII as is, every other byte as \xNN: safe on a tty.
std::string printable(std::string_view bytes);

// printable(), in double quotes, with " and \ escaped: for "Field: value" lines.
std::string c_quoted(std::string_view bytes);

// Two lower-case hex digits a byte.
std::string hex_string(std::span<const std::uint8_t> bytes);

// ---------------------------------------------------------------- JSON out
// Whether BYTES are well-formed UTF-8 (no overlong forms, no surrogates,
// nothing past U+10FFFF): what a JSON string may hold.
bool is_utf8(std::string_view bytes);

// BYTES with each byte that does not start a well-formed UTF-8 sequence
// replaced by U+FFFD: readable text for any bytes, lossy.
std::string utf8_lossy(std::string_view bytes);

// RFC 4648 base64 with padding, and back (nullopt on anything else).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// A name or path into OBJ, losslessly (e4inline(8), JSON OUTPUT): OBJ[KEY] is
// the name itself when it is UTF-8; otherwise OBJ[KEY] is utf8_lossy(NAME)
// and OBJ[KEY + "_b64"] the exact bytes in base64.
void put_name(nlohmann::ordered_json& obj, const std::string& key, std::string_view name);
// The same for a name that may be absent (KEY null).
void put_name_or_null(nlohmann::ordered_json& obj, const std::string& key, const std::optional<std::string>& name);

// The document as text. Any string that is not UTF-8 despite put_name (free
// text such as a problem's detail) is written with U+FFFD, never thrown about.
std::string json_text(const nlohmann::ordered_json& j, int indent = -1);

// ---------------------------------------------------------------- JSON in
// Parse TEXT as one JSON document, nested at most max_depth deep. nullopt
// and WHY ("syntax error at byte 12", ...) when it is not.
constexpr int json_max_depth = 64;
std::optional<nlohmann::json> parse_json(std::string_view text, std::string& why);

// Type-checked reads of OBJ[KEY]. Each returns false and sets WHY (naming
// the key and what it is instead) when the key is missing or of another
// type; with `optional`, a missing or null key leaves OUT alone and is fine.
enum class Presence { required, optional };
bool json_read(const nlohmann::json& obj, std::string_view key, std::string& out, std::string& why,
               Presence p = Presence::required);
bool json_read(const nlohmann::json& obj, std::string_view key, std::uint64_t& out, std::string& why,
               Presence p = Presence::required);
bool json_read(const nlohmann::json& obj, std::string_view key, std::optional<bool>& out, std::string& why,
               Presence p = Presence::optional);
// A name written by put_name: the bytes of KEY_b64 when present, else KEY.
bool json_read_name(const nlohmann::json& obj, std::string_view key, std::string& out, std::string& why,
                    Presence p = Presence::required);
// What a JSON value is, for messages: "a number", "a string", "null", ...
const char* json_kind(const nlohmann::json& v);

}  // namespace e4inline
