// e4inline stress: run an inline-data race or integrity workload on a mounted
// filesystem and report iterations, data mismatches, kernel-log findings, verdict.
#include <getopt.h>

#include <cstdlib>
#include <iostream>

#include <fmt/core.h>

#include "command.hpp"
#include "e4inline/stress.hpp"

namespace e4inline::cli {

namespace {

bool parse_number(const char* s, double& out) {
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end != s && *end == '\0' && out >= 0;
}

// One line per workload of the registry, for --list and --help.
std::string workload_table() {
    std::string out;
    for (const auto& w : stress_workloads())
        out += fmt::format("{:<24} {:<2} {:<8} {}\n", w.name, w.shape.empty() ? "-" : w.shape,
                           w.can_crash_kernel ? "vm-only" : "safe", w.summary);
    return out;
}

int run_stress_command(const Command& self, int argc, char** argv) {
    StressOptions o;
    bool json = false, list = false;
    static const option longopts[] = {{"workload", required_argument, nullptr, 'w'},
                                      {"threads", required_argument, nullptr, 't'},
                                      {"duration", required_argument, nullptr, 'd'},
                                      {"iterations", required_argument, nullptr, 'n'},
                                      {"seed", required_argument, nullptr, 's'},
                                      {"json", no_argument, nullptr, 'j'},
                                      {"in-vm", no_argument, nullptr, 'V'},
                                      {"clean", no_argument, nullptr, 'c'},
                                      {"stop-on-failure", no_argument, nullptr, 'x'},
                                      {"control", no_argument, nullptr, 'C'},
                                      {"list", no_argument, nullptr, 'l'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "w:t:d:n:s:jcxlh", longopts, nullptr)) != -1;) {
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
            if (!parse_number(optarg, v))
                return usage_error(self, fmt::format("--seed wants a number, not '{}'", optarg));
            o.seed = static_cast<std::uint64_t>(v);
            break;
        case 'j': json = true; break;
        case 'V': o.in_vm = true; break;
        case 'c': o.clean = true; break;
        case 'x': o.stop_on_failure = true; break;
        case 'C': o.control = true; break;
        case 'l': list = true; break;
        case 'h':
            print_help(self);
            return write_stdout("\nWorkloads (shape, whether it runs outside e4inline-vm, what it does):\n" +
                                workload_table())
                       ? 0
                       : 8;
        default: return usage_error(self, std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    if (list)
        return write_stdout(workload_table()) ? 0 : 8;
    if (argc - optind != 1)
        return usage_error(self, "exactly one mountpoint is required");
    if (o.workload.empty())
        return usage_error(self, "--workload is required (--list shows them)");
    if (o.duration > 0 && o.iterations > 0)
        return usage_error(self, "--duration and --iterations exclude each other");
    o.mountpoint = argv[optind];
    auto r = run_stress(o);
    if (!r)
        return report(r.error());
    std::string out = json ? stress_json(*r).dump(2) + "\n" : stress_text(*r);
    if (!write_stdout(out))
        return 8;
    return r->verdict == "ok" ? 0 : 4;
}

}  // namespace

extern const Command stress_command{
    "stress",
    "--workload NAME [--threads N] [--duration S | --iterations N] [--seed S] [--json] [--in-vm] [--stop-on-failure] [--control] MOUNTPOINT",
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
    "  -l, --list            list the workloads\n",
    run_stress_command,
};

}  // namespace e4inline::cli
