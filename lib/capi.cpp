// The C API: opaque handles over the C++ library, errors as codes plus a
// thread-local message.
#include "e4inline/e4inline.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "e4inline/filesystem.hpp"
#include "e4inline/report.hpp"
#include "e4inline/text.hpp"

struct e4i_fs {
    e4inline::Filesystem fs;
};

namespace {

thread_local std::string last_error;

int fail(const e4inline::Error& e) {
    last_error = e.message();
    return e.exit_code();
}

int usage(const char* what) {
    last_error = what;
    return E4I_EXIT_USAGE;
}

// Every entry point runs its body through this: no exception may cross into
// a C caller (it would terminate the caller's process). Anything thrown is
// E4I_EXIT_OPERATIONAL with its text in e4i_last_error().
template <class F>
int guarded(const char* entry, F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        last_error = std::string(entry) + ": out of memory";
    } catch (const std::exception& e) {
        last_error = std::string(entry) + ": internal error: " + e.what();
    } catch (...) {
        last_error = std::string(entry) + ": internal error: unknown exception";
    }
    return E4I_EXIT_OPERATIONAL;
}

}  // namespace

extern "C" {

const char* e4i_version(void) { return PACKAGE_VERSION; }
const char* e4i_last_error(void) { return last_error.c_str(); }

int e4i_open(const char* image, int flags, e4i_fs** out) {
    return guarded("e4i_open", [&]() -> int {
        if (!image || !out)
            return usage("e4i_open: image and out must not be NULL");
        *out = nullptr;
        e4inline::OpenOptions options;
        options.writable = (flags & E4I_OPEN_WRITE) != 0;
        auto fs = e4inline::Filesystem::open(image, options);
        if (!fs)
            return fail(fs.error());
        *out = new (std::nothrow) e4i_fs{std::move(*fs)};
        if (!*out)
            return fail(e4inline::errno_error(ENOMEM, "opening", {}, image));
        return 0;
    });
}

void e4i_close(e4i_fs* fs) {
    guarded("e4i_close", [&] {
        delete fs;
        return 0;
    });
}

int e4i_inspect(e4i_fs* fs, const char* spec, struct e4i_inline_info* out) {
    return guarded("e4i_inspect", [&]() -> int {
        if (!fs || !spec || !out)
            return usage("e4i_inspect: arguments must not be NULL");
        auto in = e4inline::inspect(fs->fs, spec);
        if (!in)
            return fail(in.error());
        const auto& l = in->layout;
        *out = {};
        out->ino = in->ref.ino;
        out->mode = l.mode;
        out->flags = l.flags;
        out->size = l.size;
        out->inode_size = static_cast<uint32_t>(l.inode_size);
        out->extra_isize = l.extra_isize;
        out->is_inline = l.inline_flag() ? 1 : 0;
        out->capacity = static_cast<uint32_t>(l.capacity);
        out->inline_size = static_cast<uint32_t>(l.inline_size);
        out->xattr_count = static_cast<uint32_t>(l.xattrs.size());
        out->problem_count = static_cast<uint32_t>(l.issues.size());
        out->storage = e4inline::storage_name(l.storage);
        return 0;
    });
}

int e4i_inspect_json(e4i_fs* fs, const char* spec, char** json_out) {
    return guarded("e4i_inspect_json", [&]() -> int {
        if (!fs || !spec || !json_out)
            return usage("e4i_inspect_json: arguments must not be NULL");
        auto in = e4inline::inspect(fs->fs, spec);
        if (!in)
            return fail(in.error());
        const std::string text = e4inline::json_text(e4inline::inspect_json(*in, false));
        *json_out = static_cast<char*>(std::malloc(text.size() + 1));
        if (!*json_out)
            return fail(e4inline::errno_error(ENOMEM, "inspecting", spec));
        std::memcpy(*json_out, text.c_str(), text.size() + 1);
        return 0;
    });
}

int e4i_read(e4i_fs* fs, const char* spec, unsigned char** data_out, size_t* len_out) {
    return guarded("e4i_read", [&]() -> int {
        if (!fs || !spec || !data_out || !len_out)
            return usage("e4i_read: arguments must not be NULL");
        auto ref = fs->fs.resolve(spec);
        if (!ref)
            return fail(ref.error());
        auto data = fs->fs.read_content(*ref);
        if (!data)
            return fail(data.error());
        *data_out = static_cast<unsigned char*>(std::malloc(data->size() ? data->size() : 1));
        if (!*data_out)
            return fail(e4inline::errno_error(ENOMEM, "reading", spec));
        if (!data->empty())  // an empty vector's data() may be null, which memcpy must not get
            std::memcpy(*data_out, data->data(), data->size());
        *len_out = data->size();
        return 0;
    });
}

void e4i_free(void* p) { std::free(p); }

}  // extern "C"
