#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>

#include "command.hpp"

namespace e4inline::cli {

int print_help(const Command& cmd) {
    std::cout << "Usage: e4inline " << cmd.name << ' ' << cmd.synopsis << "\n\n"
              << cmd.summary << "\n";
    if (!cmd.help.empty())
        std::cout << '\n' << cmd.help;
    std::cout << "  -h, --help     show this help\n";
    return 0;
}

int usage_error(const Command& cmd, const std::string& msg) {
    if (!msg.empty())
        std::cerr << "e4inline " << cmd.name << ": " << msg << '\n';
    std::cerr << "Usage: e4inline " << cmd.name << ' ' << cmd.synopsis << "\n"
              << "Try 'e4inline " << cmd.name << " --help' for more information.\n";
    return static_cast<int>(ExitCode::usage);
}

int report(const Error& e) {
    std::cerr << "e4inline: " << e.message() << '\n';
    return e.exit_code();
}

bool write_stdout(std::string_view data) {
    std::cout.flush();
    while (!data.empty()) {
        const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace e4inline::cli
