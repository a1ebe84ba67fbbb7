// e4inline convert: move data between inline storage and extents.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "e4inline/convert.hpp"
#include "e4inline/filesystem.hpp"
#include "lib/text.hpp"

namespace e4inline::cli {

namespace {

// A one-line bar on standard error, redrawn at most once per percent. It is
// drawn only when enabled (a terminal, or --progress), and finish() ends its
// line before anything else is printed; after that it draws nothing.
class ProgressBar {
public:
    explicit ProgressBar(bool enabled) : enabled_(enabled) {}
    ~ProgressBar() { finish(); }
    void operator()(std::uint64_t done, std::uint64_t total) {
        if (!enabled_ || total == 0)
            return;
        const int percent = static_cast<int>(done * 100 / total);
        if (percent == last_)
            return;
        last_ = percent;
        drawn_ = true;
        const int width = 40, filled = percent * width / 100;
        std::cerr << fmt::format("\r[{}{}] {:3}% {}/{}", std::string(filled, '#'), std::string(width - filled, ' '),
                                 percent, done, total)
                  << std::flush;
    }
    void finish() {
        if (drawn_)
            std::cerr << '\n' << std::flush;
        drawn_ = false;
        enabled_ = false;
    }

private:
    bool enabled_;
    bool drawn_ = false;
    int last_ = -1;
};

const char* status_name(ConvertStatus s) {
    switch (s) {
    case ConvertStatus::converted: return "converted";
    case ConvertStatus::already: return "already";
    case ConvertStatus::refused: return "refused";
    }
    return "refused";
}

// The --json documents (e4inline(8), JSON OUTPUT): one object per run.
nlohmann::ordered_json outcome_json(const std::string& image, ConvertTarget target, bool dry_run,
                                    const ConvertOutcome& out) {
    nlohmann::ordered_json j;
    put_name(j, "image", image);
    j["dry_run"] = dry_run;
    j["target"] = convert_target_name(target);
    j["inode"] = out.ref.ino;
    put_name(j, "path", out.ref.spec);
    j["type"] = file_type_name(out.type);
    j["size"] = out.size;
    j["capacity"] = out.capacity;
    j["status"] = status_name(out.status);
    j["reason"] = out.reason;
    return j;
}

nlohmann::ordered_json summary_json(const std::string& image, const std::string& under, ConvertTarget target,
                                    bool dry_run, const ConvertSummary& s) {
    nlohmann::ordered_json j;
    put_name(j, "image", image);
    j["dry_run"] = dry_run;
    j["target"] = convert_target_name(target);
    put_name(j, "under", under.empty() ? "/" : under);
    j["examined"] = s.examined;
    j["converted"] = s.converted;
    j["already"] = s.already;
    j["refused"] = s.refused;
    j["refusals"] = nlohmann::ordered_json::object();
    for (const auto& [category, count] : s.refusals)
        j["refusals"][category] = count;
    return j;
}

const option convert_options[] = {{"to", required_argument, nullptr, 't'},
                                  {"all", no_argument, nullptr, 'a'},
                                  {"dry-run", no_argument, nullptr, 'n'},
                                  {"undo", required_argument, nullptr, 'z'},
                                  {"json", no_argument, nullptr, 'j'},
                                  {"progress", no_argument, nullptr, 'p'}};

// Every file under SPEC (convert --all), with a progress bar and a summary.
int convert_every_file(Filesystem& fs, const std::string& image, const std::string& spec, ConvertTarget target,
                       bool dry_run, bool json, bool progress) {
    ProgressBar bar(progress || isatty(STDERR_FILENO));
    auto summary = convert_all(fs, spec, target, dry_run,
                               [&bar](std::uint64_t done, std::uint64_t total) { bar(done, total); });
    bar.finish();
    if (!summary)
        return report(summary.error());
    if (!dry_run)
        if (auto closed = fs.close(); !closed)
            return report(closed.error());
    if (json)
        std::cout << json_text(summary_json(image, spec, target, dry_run, *summary), 2) << '\n';
    else
        std::cout << convert_summary_text(*summary, target, dry_run);
    if (!dry_run)
        if (auto closed = fs.close(); !closed)
            return report(closed.error());
    return 0;
}

// One file: converted, nothing to do, or refused (exit 1).
int convert_one_file(Filesystem& fs, const std::string& image, const std::string& spec, ConvertTarget target,
                     bool dry_run, bool json) {
    int status = 0;
    auto ref = fs.resolve(spec);
    if (!ref)
        return report(ref.error());
    auto out = convert_inode(fs, *ref, target, dry_run);
    if (!out)
        return report(out.error());
    // Nothing is on the image before close() commits it: report after.
    if (out->status == ConvertStatus::converted && !dry_run)
        if (auto closed = fs.close(); !closed)
            return report(closed.error());
    if (json)
        std::cout << json_text(outcome_json(image, target, dry_run, *out), 2) << '\n';
    switch (out->status) {
    case ConvertStatus::converted:
        if (!json)
            std::cout << (dry_run ? "would convert " : "converted ") << printable(spec) << ": " << out->reason << '\n';
        break;
    case ConvertStatus::already:
        if (!json)
            std::cout << printable(spec) << ": nothing to do: " << out->reason << '\n';
        break;
    case ConvertStatus::refused:
        std::cerr << "e4inline: " << printable(image) << ": " << printable(spec) << ": cannot convert to "
                  << convert_target_name(target) << ": " << out->reason << '\n';
        status = static_cast<int>(ExitCode::not_applicable);
        break;
    }
    if (!dry_run)
        if (auto closed = fs.close(); !closed)
            return report(closed.error());
    return status;
}

int run_convert(const Command& self, int argc, char** argv) {
    std::string to, undo_file;
    bool all = false, dry_run = false, json = false, progress = false;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char* value) {
        switch (c) {
        case 't': to = value; break;
        case 'a': all = true; break;
        case 'n': dry_run = true; break;
        case 'z': undo_file = value; break;
        case 'j': json = true; break;
        case 'p': progress = true; break;
        }
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    ConvertTarget target;
    if (to == "extents")
        target = ConvertTarget::extents;
    else if (to == "inline")
        target = ConvertTarget::inline_data;
    else
        return usage_error(self, "--to extents or --to inline is required");
    if (const int counted = check_arg_count(self, args.positional, all ? 1 : 2, 2); counted != next_option)
        return counted;
    const std::string image = args.positional[0];
    const std::string spec = args.positional.size() == 2 ? args.positional[1] : "";

    auto fs = Filesystem::open(image, args.for_write(dry_run, undo_file));
    if (!fs)
        return report(fs.error());

    return all ? convert_every_file(*fs, image, spec, target, dry_run, json, progress)
               : convert_one_file(*fs, image, spec, target, dry_run, json);
}

}  // namespace

extern const Command convert_command{
    "convert",
    "--to extents|inline [--dry-run] [--json] [-z UNDO] IMAGE PATH|<INO>\n"
    "       e4inline convert --to extents|inline --all [--dry-run] [--json] [--progress] [-z UNDO] IMAGE [PATH]",
    "move a file's, directory's or symlink's data between inline storage and extents",
    "  -t, --to extents|inline  where the data should go\n"
    "  -a, --all                every file, directory and symlink (under PATH if given)\n"
    "  -n, --dry-run            say what would change and change nothing\n"
    "  -j, --json               print what was done as one JSON object (e4inline(8))\n"
    "  -p, --progress           with --all: draw the progress bar even when stderr is not a terminal\n"
    "  -z, --undo FILE          save overwritten blocks to FILE (replay: e2undo FILE IMAGE)\n",
    run_convert,
    convert_options,
    1,  // IMAGE [PATH] with --all, else IMAGE PATH|<INO>
    2,
    true,
    false,
    "e4inline convert --to extents disk.img /small\n"
    "e4inline convert --to inline --dry-run disk.img '<14>'\n"
    "e4inline convert --to inline --all -z convert.undo disk.img /etc\n",
};

}  // namespace e4inline::cli
