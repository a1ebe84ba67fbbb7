// The registry of subcommands: one line each.
#include "command.hpp"

namespace e4inline::cli {

extern const Command inspect_command;
extern const Command list_command;
extern const Command cat_command;
extern const Command create_command;
extern const Command convert_command;
extern const Command verify_command;
extern const Command craft_command;
extern const Command crosscheck_command;
extern const Command snapshot_command;
extern const Command stress_command;

std::span<const Command* const> commands() {
    static const Command* const all[] = {
        &inspect_command,
        &list_command,
        &cat_command,
        &create_command,
        &convert_command,
        &verify_command,
        &craft_command,
        &crosscheck_command,
        &snapshot_command,
        &stress_command,
    };
    return all;
}

}  // namespace e4inline::cli
