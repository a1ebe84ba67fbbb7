// verify(): the Result-returning entry point over an opened Filesystem.
#include "verify/verify.hpp"

namespace e4inline {

Result<VerifyReport> verify(const Filesystem& fs, const ScanOptions& options) {
    auto report = scan_inline_inodes(fs.raw(), options);
    if (!report)
        return unexpected(fs.error(report.error().code, report.error().op, report.error().object));
    report->image = fs.image();
    return report;
}

}  // namespace e4inline
