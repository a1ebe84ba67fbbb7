#include "e4inline/error.hpp"

#include <cstring>

// com_err and libext2fs' error table, inside the extern "C" that ext2fs.h
// gives them (their own headers have none).
#include <ext2fs/ext2fs.h>

namespace e4inline {

std::string Error::message() const {
    std::string text;
    if (!reason.empty())
        text = reason;
    else if (code != 0) {
        // libext2fs' codes read "Unknown code ext2 N" until its table is registered.
        static const bool registered = (initialize_ext2_error_table(), true);
        (void)registered;
        text = error_message(code);
    }
    else
        text = "unknown error";
    if (!op.empty()) {
        text += " while ";
        text += op;
        // "while reading inode <12> in disk.img", but "while opening
        // disk.img": the image is the object when there is no other.
        if (!object.empty()) {
            text += ' ';
            text += object;
            if (!image.empty()) {
                text += " in ";
                text += image;
            }
        } else if (!image.empty()) {
            text += ' ';
            text += image;
        }
    } else {
        if (!object.empty())
            text = object + ": " + text;
        if (!image.empty())
            text = image + ": " + text;
    }
    return text;
}

Error ext2_error(errcode_t code, std::string op, std::string object, std::string image) {
    Error e;
    e.code = code;
    e.op = std::move(op);
    e.object = std::move(object);
    e.image = std::move(image);
    return e;
}

Error errno_error(int err, std::string op, std::string object, std::string image) {
    Error e = ext2_error(err, std::move(op), std::move(object), std::move(image));
    e.reason = std::strerror(err);
    return e;
}

Error plain_error(ExitCode exit, std::string reason, std::string object, std::string image) {
    Error e = ext2_error(0, {}, std::move(object), std::move(image));
    e.exit = exit;
    e.reason = std::move(reason);
    return e;
}

}  // namespace e4inline
