// verify(): the Result-returning entry point over an opened Filesystem.
#include "verify/verify.hpp"

namespace e4inline {

Result<VerifyReport> verify(const Filesystem& fs, const ScanOptions& options) {
    VerifyReport report;
    report.image = fs.image();
    ScanFailure failure;
    if (!scan_inline_inodes(fs.raw(), options, report, failure))
        return unexpected(fs.error(failure.code, failure.op, failure.object));
    return report;
}

}  // namespace e4inline
