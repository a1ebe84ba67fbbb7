#include "lib/create_manifest.hpp"

#include <cerrno>
#include <charconv>
#include <fmt/format.h>
#include <map>
#include <set>
#include <sstream>

#include "e4inline/create.hpp"
#include "lib/create_steps.hpp"
#include "lib/source.hpp"

namespace e4inline {

namespace {

// A manifest is read whole before anything is written; this bounds it (about
// a million lines) so that a wrong file (/dev/zero) is refused, not read forever.
constexpr std::size_t max_manifest_bytes = std::size_t{64} << 20;

struct ManifestLine {
    CreateRequest req;
    std::string where;  // "MANIFEST:LINE"
};

std::string normalized(const std::string& path) {
    std::string norm;
    for (const auto& c : path_components(path))
        norm += "/" + c;
    return norm;
}

// One line, "PATH TYPE [ARG] [MODE]" ('#' starts a comment), as a request;
// nullopt for a blank line. Sources (@FILE) are read here, bounded.
Result<std::optional<ManifestLine>> parse_line(const Filesystem& fs, std::string line, const std::string& where,
                                               const TreeOptions& options) {
    const auto hash = line.find('#');
    if (hash != std::string::npos)
        line.erase(hash);
    std::istringstream fields(line);
    std::string path, type, arg, mode, extra;
    if (!(fields >> path))
        return std::nullopt;
    fields >> type >> arg >> mode;
    auto bad = [&](const std::string& why) { return unexpected(plain_error(ExitCode::usage, why, where)); };
    if (fields >> extra)
        return bad(fmt::format("unexpected field '{}' (a line is PATH TYPE [SIZE|@SOURCE|TARGET|-] [MODE])", extra));
    ManifestLine out{{}, where};
    CreateRequest& req = out.req;
    req.path = path;
    req.parents = true;
    req.allow_extents = options.allow_extents;
    if (!mode.empty()) {
        std::uint16_t m = 0;
        auto [p, ec] = std::from_chars(mode.data(), mode.data() + mode.size(), m, 8);
        if (ec != std::errc() || p != mode.data() + mode.size() || m > 07777)
            return bad(fmt::format("bad mode '{}' (octal permission bits)", mode));
        req.attrs.perm = m;
    }
    if (type == "file") {
        req.kind = NodeKind::regular;
        if (!arg.empty() && arg[0] == '@') {
            auto data = read_file_source(fs, arg.substr(1), options.allow_extents);
            if (!data) {
                Error e = data.error();
                e.object = fmt::format("{} ({})", e.object, where);
                return unexpected(std::move(e));
            }
            req.data = std::move(*data);
        } else if (!arg.empty() && arg != "-") {
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
            if (ec != std::errc() || p != arg.data() + arg.size() || n > (1u << 30))
                return bad(fmt::format("bad size '{}'", arg));
            // Refused before the bytes are made: a line may ask for a GiB.
            const std::uint64_t limit = storable_file_bytes(fs, options.allow_extents);
            if (n > limit)
                return unexpected(plain_error(
                    options.allow_extents ? ExitCode::operational : ExitCode::not_applicable,
                    options.allow_extents
                        ? fmt::format("{} bytes do not fit: a new file here gets at most {} bytes (the free space)",
                                      n, limit)
                        : fmt::format("{} bytes do not fit inline: a new inode here holds at most {} bytes "
                                      "(--allow-extents stores them in extents)",
                                      n, limit),
                    fmt::format("{} ({})", path, where)));
            req.data.resize(n);
            for (std::size_t i = 0; i < n; ++i)
                req.data[i] = static_cast<std::uint8_t>('a' + i % 26);
        }
    } else if (type == "dir") {
        req.kind = NodeKind::directory;
        if (!arg.empty() && arg != "-")
            return bad(fmt::format("unexpected '{}' for a dir (use - before a MODE)", arg));
    } else if (type == "symlink") {
        req.kind = NodeKind::symlink;
        if (arg.empty())
            return bad("a symlink needs a target");
        req.target = arg;
    } else {
        return bad(fmt::format("unknown type '{}' (file, dir or symlink)", type));
    }
    return out;
}

Error at_line(Error e, const ManifestLine& l) {
    e.object = fmt::format("{} ({})", e.object.empty() ? l.req.path : e.object, l.where);
    return e;
}

}  // namespace

namespace {

// 1. Every line parsed (and every @SOURCE read) before anything is written.
Result<std::vector<ManifestLine>> parse_manifest(Filesystem& fs, const std::string& manifest,
                                                 const TreeOptions& options) {
    const auto bytes = E4I_TRY(read_source(manifest, max_manifest_bytes));
    if (bytes.size() > max_manifest_bytes)
        return unexpected(plain_error(
            ExitCode::usage, fmt::format("larger than {} MiB: not a manifest", max_manifest_bytes >> 20), manifest));
    std::vector<ManifestLine> lines;
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    std::string text;
    for (unsigned lineno = 1; std::getline(in, text); ++lineno)
        if (auto l = E4I_TRY(parse_line(fs, std::move(text), fmt::format("{}:{}", manifest, lineno), options)))
            lines.push_back(std::move(*l));
    return lines;
}

using MadeBy = std::map<std::string, const ManifestLine*>;  // path -> the line that makes it (parents included)

// Line L against the lines before it (MADE): a path made twice, or made
// under what an earlier line made a file or symlink, is refused.
Result<void> check_against_earlier(const ManifestLine& l, const std::string& path, const MadeBy& made) {
    if (auto it = made.find(path); it != made.end())
        return unexpected(
            at_line(plain_error(ExitCode::operational, fmt::format("file exists (made by {})", it->second->where)), l));
    const auto comps = path_components(l.req.path);
    std::string parent;
    for (std::size_t i = 0; i + 1 < comps.size(); ++i) {
        parent += "/" + comps[i];
        auto it = made.find(parent);
        if (it != made.end() && it->second->req.kind != NodeKind::directory &&
            normalized(it->second->req.path) == parent)
            return unexpected(at_line(plain_error(ExitCode::operational, fmt::format("{} is not a directory (made by {})",
                                                                                     parent, it->second->where)),
                                      l));
    }
    return {};
}

// 2. Every line checked against the image as it is (a dry run of each) and
// against the lines before it, so that a bad line is refused here, not
// halfway through the writes. What each line would do.
Result<std::vector<CreateOutcome>> plan_manifest(Filesystem& fs, const std::vector<ManifestLine>& lines) {
    MadeBy made;
    std::vector<CreateOutcome> planned;
    for (const auto& l : lines) {
        const std::string path = normalized(l.req.path);
        E4I_TRY(check_against_earlier(l, path, made));
        auto out = create_node(fs, l.req, true);
        if (!out)
            return unexpected(at_line(out.error(), l));
        for (const auto& p : out->parents_made)
            made.try_emplace(p, &l);
        made.try_emplace(path, &l);
        planned.push_back(std::move(*out));
    }
    return planned;
}

// What the request REQ made (OUT) into SUMMARY. A dry run makes no parents,
// so later lines name them again: DIRS_COUNTED counts each directory once.
void count_made(const CreateRequest& req, const CreateOutcome& out, std::set<std::string>& dirs_counted,
                TreeSummary& summary) {
    const bool is_inline = out.storage == Storage::inline_data;
    switch (req.kind) {
    case NodeKind::regular:
        ++summary.files;
        summary.files_inline += is_inline;
        summary.bytes += req.data.size();
        break;
    case NodeKind::directory:
        if (dirs_counted.insert(normalized(req.path)).second) {
            ++summary.dirs;
            summary.dirs_inline += is_inline;
        }
        break;
    case NodeKind::symlink:
        ++summary.symlinks;
        summary.symlinks_inline += is_inline;
        summary.symlinks_fast += out.storage == Storage::fast_symlink;
        break;
    }
    for (const auto& p : out.parents_made)
        if (dirs_counted.insert(p).second) {
            ++summary.dirs;
            ++summary.dirs_inline;
        }
}

}  // namespace

Result<TreeSummary> create_from_manifest(Filesystem& fs, const std::string& manifest, const TreeOptions& options) {
    const std::vector<ManifestLine> lines = E4I_TRY(parse_manifest(fs, manifest, options));
    const std::vector<CreateOutcome> planned = E4I_TRY(plan_manifest(fs, lines));

    // 3. The writes (in a dry run, the plan).
    TreeSummary summary;
    std::set<std::string> dirs_counted;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        CreateOutcome out;
        if (options.dry_run) {
            out = planned[i];
        } else {
            auto done = create_node(fs, lines[i].req, false);
            if (!done)
                return unexpected(at_line(done.error(), lines[i]));
            out = std::move(*done);
        }
        count_made(lines[i].req, out, dirs_counted, summary);
    }
    return summary;
}

}  // namespace e4inline
