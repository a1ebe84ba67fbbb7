// The C API: opaque handles over the C++ library, errors as codes plus a
// thread-local message, items handed to callbacks with a void * context.
#include "e4inline/e4inline.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>

#include "e4inline/convert.hpp"
#include "e4inline/create.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/inspect.hpp"
#include "lib/text.hpp"
#include "verify/verify.hpp"
#include "lib/e4inlineP.hpp"

// The filesystem is empty once e4i_commit has closed it.
struct e4i_fs {
    std::optional<e4inline::Filesystem> fs;
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

namespace {

int open_image(const char* entry, const char* image, unsigned partition, int flags, e4i_fs** out) {
    return guarded(entry, [&]() -> int {
        if (!image || !out)
            return usage((std::string(entry) + ": image and out must not be NULL").c_str());
        *out = nullptr;
        e4inline::OpenOptions options;
        options.writable = (flags & E4I_OPEN_WRITE) != 0;
        options.partition = partition;
        auto fs = e4inline::Filesystem::open(image, options);
        if (!fs)
            return fail(fs.error());
        *out = new (std::nothrow) e4i_fs{std::move(*fs)};
        if (!*out)
            return fail(e4inline::errno_error(ENOMEM, "opening", {}, image));
        return 0;
    });
}

// The handle's filesystem, or a usage error once it is committed.
e4inline::Filesystem* live(e4i_fs* fs, const char* entry) {
    if (fs && fs->fs)
        return &*fs->fs;
    last_error = std::string(entry) + (fs ? ": the handle is already committed (closed)" : ": fs must not be NULL");
    return nullptr;
}

// The handle's filesystem and the inode SPEC names in it: the inode, or the
// code to return (with the message set).
struct Target {
    e4inline::Filesystem* fs = nullptr;
    e4inline::InodeRef ref;
    int rc = 0;
};
Target resolve_in(e4inline::Filesystem* f, const char* spec) {
    if (!f)
        return {nullptr, {}, E4I_EXIT_USAGE};
    auto ref = f->resolve(spec);
    if (!ref)
        return {nullptr, {}, fail(ref.error())};
    return {f, std::move(*ref), 0};
}

// The handle's filesystem for a write: it must be writable, unless FLAGS ask for
// a dry run (the tool opens read-only for one).
e4inline::Filesystem* live_writer(e4i_fs* fs, const char* entry, int flags) {
    e4inline::Filesystem* f = live(fs, entry);
    if (f && !f->writable() && !(flags & E4I_DRY_RUN)) {
        last_error = std::string(entry) + ": the image is open read-only (E4I_OPEN_WRITE, or E4I_DRY_RUN)";
        return nullptr;
    }
    return f;
}

}  // namespace

int e4i_open(const char* image, int flags, e4i_fs** out) { return open_image("e4i_open", image, 0, flags, out); }

int e4i_open_partition(const char* image, unsigned partition, int flags, e4i_fs** out) {
    return open_image("e4i_open_partition", image, partition, flags, out);
}

int e4i_commit(e4i_fs* fs) {
    return guarded("e4i_commit", [&]() -> int {
        e4inline::Filesystem* f = live(fs, "e4i_commit");
        if (!f)
            return E4I_EXIT_USAGE;
        auto closed = f->close();
        fs->fs.reset();
        return closed ? 0 : fail(closed.error());
    });
}

void e4i_close(e4i_fs* fs) {
    guarded("e4i_close", [&] {
        delete fs;  // a Filesystem destroyed without close() drops its staged writes
        return 0;
    });
}

int e4i_inspect_sized(e4i_fs* fs, const char* spec, struct e4i_inline_info* out, size_t out_size) {
    return guarded("e4i_inspect", [&]() -> int {
        if (!spec || !out)
            return usage("e4i_inspect: arguments must not be NULL");
        if (out_size < E4I_INLINE_INFO_V1_SIZE)
            return usage("e4i_inspect_sized: out_size is smaller than the first version of the structure");
        e4inline::Filesystem* f = live(fs, "e4i_inspect");
        if (!f)
            return E4I_EXIT_USAGE;
        auto in = e4inline::inspect(*f, spec);
        if (!in)
            return fail(in.error());
        const auto& l = in->layout;
        struct e4i_inline_info info{};
        info.ino = in->ref.ino;
        info.mode = l.mode;
        info.flags = l.flags;
        info.size = l.size;
        info.inode_size = static_cast<uint32_t>(l.inode_size);
        info.extra_isize = l.extra_isize;
        info.is_inline = l.inline_flag() ? 1 : 0;
        info.capacity = static_cast<uint32_t>(l.capacity);
        info.inline_size = static_cast<uint32_t>(l.inline_size);
        info.xattr_count = static_cast<uint32_t>(l.xattrs.size());
        info.problem_count = static_cast<uint32_t>(l.issues.size());
        info.storage = e4inline::storage_name(l.storage);
        info.type = e4inline::file_type_name(l.type);
        info.file_acl = l.file_acl;
        info.checksum_ok = in->checksum_ok ? 1 : 0;
        // A caller built against an older header has a shorter structure.
        std::memcpy(out, &info, std::min(out_size, sizeof info));
        return 0;
    });
}

int e4i_inspect(e4i_fs* fs, const char* spec, struct e4i_inline_info* out) {
    return e4i_inspect_sized(fs, spec, out, E4I_INLINE_INFO_V1_SIZE);
}

int e4i_inspect_json(e4i_fs* fs, const char* spec, char** json_out) {
    return guarded("e4i_inspect_json", [&]() -> int {
        if (!spec || !json_out)
            return usage("e4i_inspect_json: arguments must not be NULL");
        e4inline::Filesystem* f = live(fs, "e4i_inspect_json");
        if (!f)
            return E4I_EXIT_USAGE;
        auto in = e4inline::inspect(*f, spec);
        if (!in)
            return fail(in.error());
        const std::string text = e4inline::inspect_json_text(*in, false);
        *json_out = static_cast<char*>(std::malloc(text.size() + 1));
        if (!*json_out)
            return fail(e4inline::errno_error(ENOMEM, "inspecting", spec));
        std::memcpy(*json_out, text.c_str(), text.size() + 1);
        return 0;
    });
}

int e4i_read(e4i_fs* fs, const char* spec, unsigned char** data_out, size_t* len_out) {
    return guarded("e4i_read", [&]() -> int {
        if (!spec || !data_out || !len_out)
            return usage("e4i_read: arguments must not be NULL");
        const Target t = resolve_in(live(fs, "e4i_read"), spec);
        if (!t.fs)
            return t.rc;
        auto data = t.fs->read_content(t.ref);
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

int e4i_dir_iterate(e4i_fs* fs, const char* dir, e4i_dirent_cb cb, void* ctx) {
    return guarded("e4i_dir_iterate", [&]() -> int {
        if (!dir || !cb)
            return usage("e4i_dir_iterate: dir and cb must not be NULL");
        const Target t = resolve_in(live(fs, "e4i_dir_iterate"), dir);
        if (!t.fs)
            return t.rc;
        e4inline::Filesystem* f = t.fs;
        const e4inline::InodeRef* ref = &t.ref;
        const auto l = f->layout(*ref);
        if (!l)
            return fail(l.error());
        if (l->type != e4inline::FileType::directory)
            return fail(f->error(e4inline::ExitCode::not_applicable, "not a directory", ref->spec));
        // The library's one directory reader, which leaves "." and ".."
        // out; the C API hands them over first, as libext2fs walks them.
        e4inline::DirListing listing;
        const errcode_t err = e4inline::list_dir(f->raw(), ref->ino, listing);
        auto give = [&](const std::string& name, std::uint32_t ino, int type) {
            const struct e4i_dirent entry{name.c_str(), name.size(), ino, type};
            return cb(&entry, ctx);
        };
        int stopped = give(".", ref->ino, EXT2_FT_DIR);
        if (!stopped && listing.parent)
            stopped = give("..", listing.parent, EXT2_FT_DIR);
        for (std::size_t i = 0; !stopped && i < listing.entries.size(); ++i)
            stopped = give(listing.entries[i].name, listing.entries[i].ino, listing.entries[i].file_type);
        if (err && !stopped)
            return fail(f->error(err, "reading directory", ref->spec));
        return stopped;
    });
}

int e4i_xattr_iterate(e4i_fs* fs, const char* spec, e4i_xattr_cb cb, void* ctx) {
    return guarded("e4i_xattr_iterate", [&]() -> int {
        if (!spec || !cb)
            return usage("e4i_xattr_iterate: arguments must not be NULL");
        const Target t = resolve_in(live(fs, "e4i_xattr_iterate"), spec);
        if (!t.fs)
            return t.rc;
        e4inline::Filesystem* f = t.fs;
        const auto raw = f->read_raw_inode(t.ref.ino);
        if (!raw)
            return fail(raw.error());
        const e4inline::InlineLayout l = e4inline::parse_inline_layout(*raw, f->has_inline_data());
        for (const auto& x : l.xattrs) {
            const std::string name = x.full_name();
            const bool here = x.value_in_bounds && x.value_inum == 0;
            const struct e4i_xattr item{name.c_str(), here ? raw->data() + x.value_offset : nullptr,
                                        here ? x.value_size : 0, x.value_inum};
            if (int rc = cb(&item, ctx))
                return rc;
        }
        return 0;
    });
}

int e4i_verify(e4i_fs* fs, e4i_finding_cb cb, void* ctx) {
    return guarded("e4i_verify", [&]() -> int {
        e4inline::Filesystem* f = live(fs, "e4i_verify");
        if (!f)
            return E4I_EXIT_USAGE;
        auto report = e4inline::verify(*f);
        if (!report)
            return fail(report.error());
        for (const auto& finding : report->findings) {
            const auto& info = e4inline::finding_info(finding.code);
            const std::string message = finding.detail.empty() ? info.summary : finding.detail;
            const struct e4i_finding item{info.name, e4inline::severity_name(info.severity), finding.ino,
                                          finding.path.c_str(), message.c_str(), info.e2fsck};
            if (cb)
                if (int rc = cb(&item, ctx))
                    return rc;
        }
        return report->findings.empty() ? E4I_EXIT_OK : E4I_EXIT_FINDINGS;
    });
}

int e4i_create(e4i_fs* fs, int kind, const char* path, const void* data, size_t len, unsigned mode, int flags,
               uint32_t* ino_out) {
    return guarded("e4i_create", [&]() -> int {
        if (!path || (!data && len))
            return usage("e4i_create: path must not be NULL, nor data when len is not 0");
        e4inline::CreateRequest req;
        switch (kind) {
        case E4I_CREATE_FILE: req.kind = e4inline::NodeKind::regular; break;
        case E4I_CREATE_DIR: req.kind = e4inline::NodeKind::directory; break;
        case E4I_CREATE_SYMLINK: req.kind = e4inline::NodeKind::symlink; break;
        default: return usage("e4i_create: kind is not E4I_CREATE_FILE, E4I_CREATE_DIR or E4I_CREATE_SYMLINK");
        }
        if (mode & ~07777u)
            return usage("e4i_create: mode has bits beyond the permission bits (07777)");
        e4inline::Filesystem* f = live_writer(fs, "e4i_create", flags);
        if (!f)
            return E4I_EXIT_USAGE;
        const bool dry_run = (flags & E4I_DRY_RUN) != 0;
        req.path = path;
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        if (req.kind == e4inline::NodeKind::regular && len)
            req.data.assign(bytes, bytes + len);
        else if (req.kind == e4inline::NodeKind::symlink && len)
            req.target.assign(reinterpret_cast<const char*>(bytes), len);
        req.attrs.perm = static_cast<std::uint16_t>(mode);
        req.parents = (flags & E4I_CREATE_PARENTS) != 0;
        req.allow_extents = (flags & E4I_CREATE_ALLOW_EXTENTS) != 0;
        auto outcome = e4inline::create_node(*f, req, dry_run);
        if (!outcome)
            return fail(outcome.error());
        if (ino_out)
            *ino_out = outcome->ino;
        return 0;
    });
}

namespace {

std::optional<e4inline::ConvertTarget> convert_target(int target) {
    if (target == E4I_TO_EXTENTS)
        return e4inline::ConvertTarget::extents;
    if (target == E4I_TO_INLINE)
        return e4inline::ConvertTarget::inline_data;
    return std::nullopt;
}

}  // namespace

int e4i_convert(e4i_fs* fs, const char* spec, int target, int flags, int* status_out) {
    return guarded("e4i_convert", [&]() -> int {
        if (!spec)
            return usage("e4i_convert: path_or_ino must not be NULL");
        const auto to = convert_target(target);
        if (!to)
            return usage("e4i_convert: target is not E4I_TO_EXTENTS or E4I_TO_INLINE");
        const Target t = resolve_in(live_writer(fs, "e4i_convert", flags), spec);
        if (!t.fs)
            return t.rc;
        e4inline::Filesystem* f = t.fs;
        const e4inline::InodeRef* ref = &t.ref;
        auto out = e4inline::convert_inode(*f, *ref, *to, (flags & E4I_DRY_RUN) != 0);
        if (!out)
            return fail(out.error());
        switch (out->status) {
        case e4inline::ConvertStatus::converted:
            if (status_out)
                *status_out = E4I_CONVERTED;
            return 0;
        case e4inline::ConvertStatus::already:
            if (status_out)
                *status_out = E4I_ALREADY;
            return 0;
        case e4inline::ConvertStatus::refused:
            break;
        }
        if (status_out)
            *status_out = E4I_REFUSED;
        return fail(f->error(e4inline::ExitCode::not_applicable,
                             std::string("cannot convert to ") + e4inline::convert_target_name(*to) + ": " +
                                 out->reason,
                             ref->spec));
    });
}

int e4i_convert_all(e4i_fs* fs, const char* under, int target, int flags, struct e4i_convert_counts* counts_out) {
    return guarded("e4i_convert_all", [&]() -> int {
        const auto to = convert_target(target);
        if (!to)
            return usage("e4i_convert_all: target is not E4I_TO_EXTENTS or E4I_TO_INLINE");
        e4inline::Filesystem* f = live_writer(fs, "e4i_convert_all", flags);
        if (!f)
            return E4I_EXIT_USAGE;
        const bool dry_run = (flags & E4I_DRY_RUN) != 0;
        auto summary = e4inline::convert_all(*f, under ? under : "", *to, dry_run);
        if (!summary)
            return fail(summary.error());
        if (counts_out)
            *counts_out = {summary->examined, summary->converted, summary->already, summary->refused};
        return 0;
    });
}

}  // extern "C"
