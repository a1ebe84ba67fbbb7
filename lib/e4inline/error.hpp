// Errors as values: every fallible call returns Result<T>, and an Error carries
// the image, the inode or path, and the operation, so a message reads like
// e2fsprogs': "Bad magic number in super-block while opening disk.img".
#pragma once

#include <string>
#include <utility>

#include "e4inline/result.hpp"

// What the installed library exports: the library is built with
// -fvisibility=hidden, and the public headers mark their API with this.
#ifndef E4I_EXPORT
#define E4I_EXPORT __attribute__((visibility("default")))
#endif

namespace e4inline {

// The tool's documented exit codes; the library classifies each error into one.
enum class ExitCode : int {
    ok = 0,
    not_applicable = 1,  // the target is not what was asked for (e.g. not inline)
    findings = 4,        // differences found: verify (as e2fsck), crosscheck, stress
    operational = 8,     // cannot open, corrupt, I/O
    usage = 16,
};

struct E4I_EXPORT Error {
    ExitCode exit = ExitCode::operational;
    long code = 0;         // libext2fs/com_err errcode_t or errno value; 0 when reason says it all
    std::string reason;    // what was wrong, when code does not say it
    std::string op;        // "opening", "reading inode", "looking up"...
    std::string object;    // path or <ino>; may be empty
    std::string image;     // image or device; may be empty

    // "<reason> while <op> <object> in <image>", or "<reason> while <op>
    // <image>" when there is no object; without an op,
    // "<image>: <object>: <reason>".
    std::string message() const;
    int exit_code() const { return static_cast<int>(exit); }
};

template <class T>
using Result = expected<T, Error>;

// Builders for the common shapes.
E4I_EXPORT Error ext2_error(long code, std::string op, std::string object = {}, std::string image = {});
E4I_EXPORT Error errno_error(int err, std::string op, std::string object = {}, std::string image = {});
E4I_EXPORT Error plain_error(ExitCode exit, std::string reason, std::string object = {}, std::string image = {});

namespace detail {
template <class T>
T unwrap(expected<T, Error>&& r) { return std::move(*r); }
inline void unwrap(expected<void, Error>&&) {}
}  // namespace detail

}  // namespace e4inline

// Propagate an error in one word, SerenityOS' TRY() in GNU C++.
#define E4I_TRY(expr)                                                        \
    ({                                                                       \
        auto e4i_try_result_ = (expr);                                       \
        if (!e4i_try_result_)                                                \
            return ::e4inline::unexpected(std::move(e4i_try_result_).error()); \
        ::e4inline::detail::unwrap(std::move(e4i_try_result_));              \
    })
