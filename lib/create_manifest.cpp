#include "e4inline/create_manifest.hpp"

#include <cerrno>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "e4inline/create.hpp"

namespace e4inline {

Result<TreeSummary> create_from_manifest(Filesystem& fs, const std::string& manifest, const TreeOptions& options) {
    std::ifstream in(manifest);
    if (!in)
        return std::unexpected(errno_error(errno, "opening", manifest));
    TreeSummary summary;
    std::set<std::string> dirs_counted;
    auto out_path = [](const std::string& path) {
        std::string norm;
        for (const auto& c : path_components(path))
            norm += "/" + c;
        return norm;
    };
    std::string line;
    for (unsigned lineno = 1; std::getline(in, line); ++lineno) {
        const auto hash = line.find('#');
        if (hash != std::string::npos)
            line.erase(hash);
        std::istringstream fields(line);
        std::string path, type, arg, mode;
        if (!(fields >> path))
            continue;
        fields >> type >> arg >> mode;
        const std::string where = fmt::format("{}:{}", manifest, lineno);
        auto bad = [&](const std::string& why) {
            return std::unexpected(plain_error(ExitCode::usage, why, where));
        };
        CreateRequest req;
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
                std::ifstream src(arg.substr(1), std::ios::binary);
                if (!src)
                    return std::unexpected(errno_error(errno, "opening", arg.substr(1)));
                req.data.assign(std::istreambuf_iterator<char>(src), std::istreambuf_iterator<char>());
            } else if (!arg.empty() && arg != "-") {
                std::size_t n = 0;
                auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
                if (ec != std::errc() || p != arg.data() + arg.size() || n > (1u << 30))
                    return bad(fmt::format("bad size '{}'", arg));
                req.data.resize(n);
                for (std::size_t i = 0; i < n; ++i)
                    req.data[i] = static_cast<std::uint8_t>('a' + i % 26);
            }
        } else if (type == "dir") {
            req.kind = NodeKind::directory;
        } else if (type == "symlink") {
            req.kind = NodeKind::symlink;
            if (arg.empty())
                return bad("a symlink needs a target");
            req.target = arg;
        } else {
            return bad(fmt::format("unknown type '{}' (file, dir or symlink)", type));
        }
        auto out = create_node(fs, req, options.dry_run);
        if (!out) {
            Error e = out.error();
            e.object = fmt::format("{} ({})", e.object.empty() ? req.path : e.object, where);
            return std::unexpected(std::move(e));
        }
        const bool is_inline = out->storage == Storage::inline_data;
        switch (req.kind) {
        case NodeKind::regular:
            ++summary.files;
            summary.files_inline += is_inline;
            summary.bytes += req.data.size();
            break;
        case NodeKind::directory:
            if (dirs_counted.insert(out_path(req.path)).second) {
                ++summary.dirs;
                summary.dirs_inline += is_inline;
            }
            break;
        case NodeKind::symlink:
            ++summary.symlinks;
            summary.symlinks_inline += is_inline;
            summary.symlinks_fast += out->storage == Storage::fast_symlink;
            break;
        }
        // A dry run makes no parents, so later lines name them again: count each once.
        for (const auto& made : out->parents_made)
            if (dirs_counted.insert(made).second) {
                ++summary.dirs;
                ++summary.dirs_inline;
            }
    }
    return summary;
}

}  // namespace e4inline
