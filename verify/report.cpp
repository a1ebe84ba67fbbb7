// How a VerifyReport is shown: the human text and the JSON document
// documented in e4inline(8) (keys are stable).
#include <fmt/format.h>

#include "lib/text.hpp"
#include "verify/verify.hpp"

namespace e4inline {

namespace {

std::string bucket_label(std::size_t i) {
    const auto& limits = InlineSummary::size_bucket_limits;
    if (i == 0)
        return fmt::format("<={}", limits[0]);
    if (limits[i] == UINT64_MAX)
        return fmt::format(">{}", limits[i - 1]);
    return fmt::format("{}-{}", limits[i - 1] + 1, limits[i]);
}

unsigned percent(std::uint64_t part, std::uint64_t whole) {
    return whole ? static_cast<unsigned>(part * 100 / whole) : 0;
}

}  // namespace

std::string verify_text(const VerifyReport& r) {
    std::string out;
    for (const auto& f : r.findings) {
        const auto& info = finding_info(f.code);
        out += fmt::format("<{}>{}{}: {} ({}): {}\n", f.ino, f.path.empty() ? "" : " ", printable(f.path), info.name,
                           severity_name(info.severity), printable(f.detail));
        std::string raw;
        for (const auto& [k, v] : f.raw)
            raw += fmt::format(" {}={}", k, v);
        out += fmt::format("    e2fsck: {}{}{}\n", *info.e2fsck ? info.e2fsck : "(no check)", raw.empty() ? "" : ";",
                           raw);
    }
    const auto& s = r.summary;
    out += fmt::format("{}: {} inodes in use, {} checked closely\n", r.image, s.inodes_in_use, s.inodes_checked);
    out += fmt::format("inline: {} files, {} directories, {} symlinks, {} other\n", s.inline_files, s.inline_dirs,
                       s.inline_symlinks, s.inline_other);
    out += "inline sizes:";
    for (std::size_t i = 0; i < s.size_histogram.size(); ++i)
        out += fmt::format(" {} {}{}", bucket_label(i), s.size_histogram[i], i + 1 < s.size_histogram.size() ? "," : "");
    out += '\n';
    out += fmt::format("capacity: {} of {} bytes in use ({}%), {} inodes full\n", s.bytes_in_use, s.capacity,
                       percent(s.bytes_in_use, s.capacity), s.at_capacity);
    if (r.findings.empty())
        out += "clean: no findings\n";
    else
        out += fmt::format("{} findings: {} errors, {} warnings\n", r.findings.size(), r.errors(), r.warnings());
    return out;
}

nlohmann::ordered_json verify_json(const VerifyReport& r) {
    using J = nlohmann::ordered_json;
    J findings = J::array();
    for (const auto& f : r.findings) {
        const auto& info = finding_info(f.code);
        J raw = J::object();
        for (const auto& [k, v] : f.raw)
            raw[k] = v;
        J finding{{"code", info.name}, {"severity", severity_name(info.severity)}, {"inode", f.ino}};
        put_name_or_null(finding, "path", f.path.empty() ? std::nullopt : std::optional(f.path));
        finding.update(J{{"detail", printable(f.detail)},
                         {"raw", raw},
                         {"e2fsck", *info.e2fsck ? J(info.e2fsck) : J(nullptr)}});
        findings.push_back(std::move(finding));
    }
    const auto& s = r.summary;
    J histogram = J::array();
    for (std::size_t i = 0; i < s.size_histogram.size(); ++i)
        histogram.push_back(J{{"sizes", bucket_label(i)}, {"count", s.size_histogram[i]}});
    return J{{"image", r.image},
             {"clean", r.findings.empty()},
             {"findings", findings},
             {"summary",
              {{"inodes_count", r.inodes_count},
               {"inodes_in_use", s.inodes_in_use},
               {"inodes_checked", s.inodes_checked},
               {"inline_files", s.inline_files},
               {"inline_dirs", s.inline_dirs},
               {"inline_symlinks", s.inline_symlinks},
               {"inline_other", s.inline_other},
               {"inline_size_histogram", histogram},
               {"inline_bytes_in_use", s.bytes_in_use},
               {"inline_capacity", s.capacity},
               {"inodes_at_capacity", s.at_capacity},
               {"errors", r.errors()},
               {"warnings", r.warnings()}}}};
}

}  // namespace e4inline
