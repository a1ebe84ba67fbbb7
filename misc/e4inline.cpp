// e4inline: dispatch to a subcommand; everything else lives in the records.
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string_view>

#include <ext2fs/ext2fs.h>

#include "command.hpp"

using e4inline::cli::Command;
using e4inline::cli::commands;

namespace {

int print_usage(std::ostream& out) {
    out << "Usage: e4inline COMMAND [OPTIONS] ARGS...\n"
           "       e4inline help [COMMAND]\n"
           "       e4inline COMMAND --help\n"
           "       e4inline -V | --version\n\n"
           "Craft, inspect and check ext4 inline data.\n\nCommands:\n";
    for (const Command* c : commands())
        out << "  " << c->name << std::string(c->name.size() < 12 ? 12 - c->name.size() : 1, ' ') << c->summary
            << '\n';
    out << "\nExit codes: 0 success, 1 target not what was asked for, 4 findings (verify),\n"
           "8 operational error, 16 usage error. See e4inline(8).\n";
    return 0;
}

int print_version() {
    const char* lib_version = nullptr;
    const char* lib_date = nullptr;
    ext2fs_get_library_version(&lib_version, &lib_date);
    std::cout << "e4inline " << PACKAGE_VERSION << " (libext2fs " << lib_version << ", " << lib_date << ")\n";
    return 0;
}

int dispatch(int argc, char** argv) {
    if (argc < 2) {
        print_usage(std::cerr);
        return static_cast<int>(e4inline::ExitCode::usage);
    }
    const std::string_view first = argv[1];
    if (first == "-h" || first == "--help")
        return print_usage(std::cout);
    if (first == "-V" || first == "--version")
        return print_version();
    // Hidden: writes the bash completion script (make install does).
    if (first == "--complete-bash")
        return e4inline::cli::write_stdout(e4inline::cli::bash_completion())
                   ? 0
                   : static_cast<int>(e4inline::ExitCode::operational);
    if (first == "help") {
        if (argc < 3)
            return print_usage(std::cout);
        if (argc > 3) {
            std::cerr << "e4inline help: too many arguments\n";
            return static_cast<int>(e4inline::ExitCode::usage);
        }
        if (const Command* c = e4inline::cli::find_command(argv[2]))
            return e4inline::cli::print_help(*c);
        std::cerr << "e4inline help: unknown command '" << argv[2] << "'\n";
        print_usage(std::cerr);
        return static_cast<int>(e4inline::ExitCode::usage);
    }
    if (const Command* c = e4inline::cli::find_command(first))
        return c->run(*c, argc - 1, argv + 1);
    std::cerr << "e4inline: unknown " << (first.starts_with('-') ? "option" : "command") << " '" << first << "'\n";
    print_usage(std::cerr);
    return static_cast<int>(e4inline::ExitCode::usage);
}

}  // namespace

// Errors are values everywhere below; anything thrown that still gets here
// (an allocation failure, a library's exception) is one line and exit 8,
// never an abort.
int main(int argc, char** argv) {
    const std::string_view command = argc > 1 ? argv[1] : "";
    try {
        return dispatch(argc, argv);
    } catch (const std::bad_alloc&) {
        std::cerr << "e4inline: " << command << ": out of memory\n";
    } catch (const std::exception& e) {
        std::cerr << "e4inline: " << command << ": internal error: " << e.what() << '\n';
    } catch (...) {
        std::cerr << "e4inline: " << command << ": internal error: unknown exception\n";
    }
    return static_cast<int>(e4inline::ExitCode::operational);
}
