#include "lib/text.hpp"

#include <fmt/format.h>

namespace e4inline {

namespace {

bool is_printable(unsigned char c) { return c >= 0x20 && c < 0x7f; }

// Length of the well-formed UTF-8 sequence at the start of S (RFC 3629,
// table 3-7 of the Unicode standard), 0 when there is none.
std::size_t utf8_sequence(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    if (c < 0x80)
        return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;  // no overlong forms
        if (c == 0xed)
            hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;  // nothing past U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < n || b(1) < lo || b(1) > hi)
        return 0;
    for (std::size_t i = 2; i < n; ++i)
        if (b(i) < 0x80 || b(i) > 0xbf)
            return 0;
    return n;
}

constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

bool is_utf8(std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t n = utf8_sequence(bytes);
        if (n == 0)
            return false;
        bytes.remove_prefix(n);
    }
    return true;
}

std::string utf8_lossy(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    while (!bytes.empty()) {
        const std::size_t n = utf8_sequence(bytes);
        if (n == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD
            bytes.remove_prefix(1);
        } else {
            out += bytes.substr(0, n);
            bytes.remove_prefix(n);
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 2]);
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? base64_alphabet[(v >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? base64_alphabet[v & 63] : '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0)
        return std::nullopt;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    };
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=' && text[i + 3] == '=') : 0;
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            const int d = k >= 4 - pad ? 0 : value(text[i + static_cast<std::size_t>(k)]);
            if (d < 0)
                return std::nullopt;
            v = (v << 6) | static_cast<std::uint32_t>(d);
        }
        out += static_cast<char>((v >> 16) & 0xff);
        if (pad < 2)
            out += static_cast<char>((v >> 8) & 0xff);
        if (pad < 1)
            out += static_cast<char>(v & 0xff);
        // Canonical form only: the bits a padded quantum drops must be zero.
        if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
            return std::nullopt;
    }
    return out;
}

void put_name(nlohmann::ordered_json& obj, const std::string& key, std::string_view name) {
    if (is_utf8(name)) {
        obj[key] = std::string(name);
        return;
    }
    obj[key] = utf8_lossy(name);
    obj[key + "_b64"] = base64_encode(name);
}

void put_name_or_null(nlohmann::ordered_json& obj, const std::string& key, const std::optional<std::string>& name) {
    if (name)
        put_name(obj, key, std::string_view(*name));
    else
        obj[key] = nullptr;
}

std::string json_text(const nlohmann::ordered_json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::optional<nlohmann::json> parse_json(std::string_view text, std::string& why) {
    struct TooDeep {};
    try {
        // The parser itself does not recurse, but what reads the document
        // afterwards may: bound the nesting.
        return nlohmann::json::parse(text.begin(), text.end(),
                                     [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
                                         if (depth > json_max_depth)
                                             throw TooDeep{};
                                         return true;
                                     });
    } catch (const TooDeep&) {
        why = fmt::format("nested deeper than {} levels", json_max_depth);
    } catch (const nlohmann::json::parse_error& e) {
        why = fmt::format("not valid JSON (syntax error at byte {})", e.byte);
    } catch (const nlohmann::json::exception& e) {
        why = fmt::format("not valid JSON ({})", e.what());
    }
    return std::nullopt;
}

const char* json_kind(const nlohmann::json& v) {
    switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
        return v.get<std::int64_t>() < 0 ? "a negative number" : "a number";
    case nlohmann::json::value_t::number_unsigned: return "a number";
    case nlohmann::json::value_t::number_float: return "a fractional number";
    case nlohmann::json::value_t::binary: return "binary";
    case nlohmann::json::value_t::discarded: return "discarded";
    }
    return "unknown";
}

namespace {

// OBJ[KEY] when OBJ is an object holding KEY (null counts as absent for
// optional keys); nullptr otherwise, with WHY set when that is an error.
const nlohmann::json* member(const nlohmann::json& obj, std::string_view key, std::string& why, Presence p) {
    if (!obj.is_object()) {
        why = fmt::format("expected an object holding \"{}\", found {}", key, json_kind(obj));
        return nullptr;
    }
    const auto it = obj.find(key);
    if (it == obj.end() || (p == Presence::optional && it->is_null())) {
        if (p == Presence::required)
            why = fmt::format("no \"{}\"", key);
        return nullptr;
    }
    return &*it;
}

bool wrong_type(std::string_view key, const nlohmann::json& v, const char* want, std::string& why) {
    why = fmt::format("\"{}\" is {}, not {}", key, json_kind(v), want);
    return false;
}

}  // namespace

bool json_read(const nlohmann::json& obj, std::string_view key, std::string& out, std::string& why, Presence p) {
    const nlohmann::json* v = member(obj, key, why, p);
    if (!v)
        return p == Presence::optional && obj.is_object();
    if (!v->is_string())
        return wrong_type(key, *v, "a string", why);
    out = v->get_ref<const std::string&>();
    return true;
}

bool json_read(const nlohmann::json& obj, std::string_view key, std::uint64_t& out, std::string& why, Presence p) {
    const nlohmann::json* v = member(obj, key, why, p);
    if (!v)
        return p == Presence::optional && obj.is_object();
    if (!v->is_number_unsigned())
        return wrong_type(key, *v, "a whole number of 0 or more", why);
    out = v->get<std::uint64_t>();
    return true;
}

bool json_read(const nlohmann::json& obj, std::string_view key, std::optional<bool>& out, std::string& why,
               Presence p) {
    const nlohmann::json* v = member(obj, key, why, p);
    if (!v)
        return p == Presence::optional && obj.is_object();
    if (!v->is_boolean())
        return wrong_type(key, *v, "true or false", why);
    out = v->get<bool>();
    return true;
}

bool json_read_name(const nlohmann::json& obj, std::string_view key, std::string& out, std::string& why,
                    Presence p) {
    std::string text;
    if (!json_read(obj, key, text, why, p))
        return false;
    const std::string b64_key = std::string(key) + "_b64";
    std::string b64;
    if (!json_read(obj, b64_key, b64, why, Presence::optional))
        return false;
    if (b64.empty()) {
        const auto it = obj.find(key);
        if (it != obj.end() && !it->is_null())
            out = std::move(text);
        return true;
    }
    auto bytes = base64_decode(b64);
    if (!bytes) {
        why = fmt::format("\"{}\" is not base64", b64_key);
        return false;
    }
    out = std::move(*bytes);
    return true;
}

}  // namespace e4inline
