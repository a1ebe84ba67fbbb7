// e4inline stress: run an inline-data race or integrity workload on a mounted
// filesystem and report iterations, data mismatches, kernel-log findings, verdict.
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/core.h>

#include "command.hpp"
#include "stress/stress.hpp"
#include "lib/text.hpp"

namespace e4inline::cli {

namespace {

bool parse_number(const char* s, double& out) {
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end != s && *end == '\0' && out >= 0;
}

// A seed is any unsigned 64-bit integer, in decimal, exactly as given.
bool parse_seed(std::string_view s, std::uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// One line per workload of the registry, for --list and --help.
std::string workload_table() {
    std::string out;
    for (const auto& w : stress_workloads())
        out += fmt::format("{:<24} {:<2} {:<8} {}\n", w.name, w.shape.empty() ? "-" : w.shape,
                           w.can_crash_kernel ? "vm-only" : "safe", w.summary);
    return out;
}

// e4inline-vm's verdict on a console log: the JSON its --classify prints.
int classify_console(const std::string& path, GuestKilled killed) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return report(errno_error(errno, "opening the console log", path));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return report(errno_error(errno, "reading the console log", path));
    const auto v = classify_vm_console(text, killed);
    auto str = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s); };
    nlohmann::ordered_json j;
    j["verdict"] = v.verdict;
    j["console_kernel"] = str(v.console_kernel);
    if (!v.failure_seconds)
        j["failure_seconds"] = nullptr;
    else if (*v.failure_seconds == std::floor(*v.failure_seconds))
        j["failure_seconds"] = static_cast<std::int64_t>(*v.failure_seconds);
    else
        j["failure_seconds"] = *v.failure_seconds;
    j["log_line"] = str(v.log_line);
    j["log_where"] = str(v.log_where);
    j["first_log_line"] = str(v.first_log_line);
    return write_stdout(j.dump(2) + "\n") ? 0 : 8;
}

// e4inline-vm's check of the unmounted image against the run's report.
int check_image(const std::string& image, const std::string& report_path) {
    auto r = check_image_against_report(image, report_path);
    if (!r)
        return report(r.error());
    if (!write_stdout(image_check_json(*r).dump(2) + "\n"))
        return 8;
    if (r->mismatches.empty())
        return 0;
    std::cerr << fmt::format("e4inline: {} file(s) in {} differ from {}\n", r->mismatches.size(), printable(image),
                             printable(report_path));
    return static_cast<int>(ExitCode::findings);
}

// The long-only options (their vals are not in the short string).
constexpr int opt_in_vm = 256, opt_control = 257, opt_classify = 258, opt_killed = 259, opt_check_image = 260;
const option stress_options[] = {{"workload", required_argument, nullptr, 'w'},
                                 {"threads", required_argument, nullptr, 't'},
                                 {"duration", required_argument, nullptr, 'd'},
                                 {"iterations", required_argument, nullptr, 'n'},
                                 {"seed", required_argument, nullptr, 's'},
                                 {"json", no_argument, nullptr, 'j'},
                                 {"in-vm", no_argument, nullptr, opt_in_vm},
                                 {"clean", no_argument, nullptr, 'c'},
                                 {"stop-on-failure", no_argument, nullptr, 'x'},
                                 {"control", no_argument, nullptr, opt_control},
                                 {"list", no_argument, nullptr, 'l'},
                                 {"classify", required_argument, nullptr, opt_classify},
                                 {"killed", required_argument, nullptr, opt_killed},
                                 {"check-image", required_argument, nullptr, opt_check_image}};

// The workload run itself: MOUNTPOINT, --workload, then the report; exit 4
// when the verdict is not ok.
int run_workload(const Command& self, StressOptions& o, const Args& args, bool json) {
    if (const int counted = check_arg_count(self, args.positional, 1, 1); counted != next_option)
        return counted;
    if (o.workload.empty())
        return usage_error(self, "--workload is required (--list shows them)");
    if (o.duration > 0 && o.iterations > 0)
        return usage_error(self, "--duration and --iterations exclude each other");
    o.mountpoint = args.positional[0];
    auto r = run_stress(o);
    if (!r)
        return report(r.error());
    std::string out = json ? json_text(stress_json(*r), 2) + "\n" : stress_text(*r);
    if (!write_stdout(out))
        return 8;
    return static_cast<int>(r->verdict == "ok" ? ExitCode::ok : ExitCode::findings);
}

int run_stress_command(const Command& self, int argc, char** argv) {
    StressOptions o;
    bool json = false, list = false, killed_given = false;
    std::string classify_log, check_image_of;
    GuestKilled killed = GuestKilled::no;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char* optarg) {
        double v = 0;
        switch (c) {
        case 'w': o.workload = optarg; break;
        case 't':
            if (!parse_number(optarg, v) || v < 1 || v > 256)
                return usage_error(self, fmt::format("--threads wants 1 to 256, not '{}'", optarg));
            o.threads = static_cast<unsigned>(v);
            break;
        case 'd':
            if (!parse_number(optarg, v) || v <= 0)
                return usage_error(self, fmt::format("--duration wants seconds, not '{}'", optarg));
            o.duration = v;
            break;
        case 'n':
            if (!parse_number(optarg, v) || v < 1)
                return usage_error(self, fmt::format("--iterations wants a positive count, not '{}'", optarg));
            o.iterations = static_cast<std::uint64_t>(v);
            break;
        case 's':
            if (!parse_seed(optarg, o.seed))
                return usage_error(self,
                                   fmt::format("--seed wants an unsigned 64-bit integer, not '{}'", optarg));
            break;
        case 'j': json = true; break;
        case opt_in_vm: o.in_vm = true; break;
        case 'c': o.clean = true; break;
        case 'x': o.stop_on_failure = true; break;
        case opt_control: o.control = true; break;
        case 'l': list = true; break;
        case opt_classify: classify_log = optarg; break;
        case opt_check_image: check_image_of = optarg; break;
        case opt_killed:
            if (std::string_view(optarg) == "boot")
                killed = GuestKilled::boot;
            else if (std::string_view(optarg) == "command")
                killed = GuestKilled::command;
            else
                return usage_error(self, fmt::format("--killed wants boot or command, not '{}'", optarg));
            killed_given = true;
            break;
        }
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    if (list)
        return write_stdout(workload_table()) ? 0 : 8;
    if (killed_given && classify_log.empty())
        return usage_error(self, "--killed goes with --classify");
    if (!classify_log.empty() && !check_image_of.empty())
        return usage_error(self, "--classify and --check-image exclude each other");
    if (!classify_log.empty()) {
        if (const int counted = check_arg_count(self, args.positional, 0, 0); counted != next_option)
            return counted;
        return classify_console(classify_log, killed);
    }
    if (!check_image_of.empty()) {
        if (const int counted = check_arg_count(self, args.positional, 1, 1); counted != next_option)
            return counted;
        return check_image(check_image_of, args.positional[0]);
    }
    return run_workload(self, o, args, json);
}

}  // namespace

extern const Command stress_command{
    "stress",
    "--workload NAME [--threads N] [--duration S | --iterations N] [--seed S] [--json] [--in-vm] [--stop-on-failure] [--control] MOUNTPOINT\n"
    "       e4inline stress --classify CONSOLE.LOG [--killed boot|command]\n"
    "       e4inline stress --check-image IMAGE REPORT.json",
    "run an inline-data race or integrity workload and report mismatches and kernel-log findings",
    "  -w, --workload NAME   the workload (--list shows them all)\n"
    "  -t, --threads N       worker threads (default 2)\n"
    "  -d, --duration S      run for S seconds\n"
    "  -n, --iterations N    run N iterations (default 20)\n"
    "  -s, --seed S          seed for sizes and content (default 1)\n"
    "  -j, --json            the report as JSON\n"
    "      --in-vm           allow a workload that can crash the kernel (only in a throwaway VM)\n"
    "  -x, --stop-on-failure end after the iteration that found a mismatch or kernel-log finding\n"
    "  -c, --clean           remove the work directory MOUNTPOINT/e4inline-stress afterwards\n"
    "      --control         run on ext4 without inline_data too (the control run of a finding)\n"
    "  -l, --list            list the workloads\n"
    "      --classify LOG    e4inline-vm's verdict on a guest's console LOG, as JSON\n"
    "      --killed WHEN     with --classify: the host killed the guest during its boot or its command\n"
    "      --check-image IMAGE REPORT\n"
    "                        compare each file of stress REPORT (JSON) with IMAGE (unmounted)\n",
    run_stress_command,
    stress_options,
    0,  // with --list or --classify; else exactly one MOUNTPOINT or REPORT
    1,
    false,
    false,
    "e4inline stress --list\n"
    "e4inline stress --workload mmap-then-fsync --iterations 100 --seed 7 /mnt\n"
    "e4inline stress --workload fallocate-vs-write --duration 30 --json --clean /mnt > report.json\n",
    [] { return "\nWorkloads (shape, whether it runs outside e4inline-vm, what it does):\n" + workload_table(); },
};

}  // namespace e4inline::cli
