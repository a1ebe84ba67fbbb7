// Library units of crosscheck and snapshot that need no mounted filesystem.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel/crosscheck.hpp"
#include "kernel/kernel_view.hpp"
#include "kernel/snapshot.hpp"

namespace e4inline {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(Sha256, EmptyInputHasTheFipsDigest) {
    EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, AbcHasTheFipsDigest) {
    EXPECT_EQ(sha256_hex(bytes("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessageHasTheFipsDigest) {
    EXPECT_EQ(sha256_hex(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FiftyFiveAndFiftySixBytesStraddleThePaddingBoundary) {
    EXPECT_EQ(sha256_hex(bytes(std::string(55, 'a'))),
              "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    EXPECT_EQ(sha256_hex(bytes(std::string(56, 'a'))),
              "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

TEST(PathInMount, AbsolutePathUnderTheMountPointLosesItsPrefix) {
    EXPECT_EQ(path_in_mount("/mnt", "/mnt/d/f"), "/d/f");
    EXPECT_EQ(path_in_mount("/mnt", "/mnt"), "/");
}

TEST(PathInMount, OtherPathsAreInsideTheFilesystemAndNormalised) {
    EXPECT_EQ(path_in_mount("/mnt", "d//f/"), "/d/f");
    EXPECT_EQ(path_in_mount("/mnt", "/mntx/f"), "/mntx/f");
    EXPECT_EQ(path_in_mount("/mnt", "./a"), "/a");
    EXPECT_EQ(path_in_mount("/", "/a/b"), "/a/b");
}

TEST(DirectoryDigest, EntriesAreSortedByNameWhateverTheReaddirOrder) {
    EXPECT_EQ(directory_digest_text({{"b", 13}, {"a", 12}}), directory_digest_text({{"a", 12}, {"b", 13}}));
    const auto t = directory_digest_text({{"b", 13}, {"a", 12}});
    EXPECT_EQ(std::string(t.begin(), t.end()), std::string("a\0" "12\nb\0" "13\n", 10));
}

KernelFile read_at(std::int64_t ctime_sec, std::uint32_t ctime_nsec, std::int64_t seen_sec, std::uint32_t seen_nsec) {
    KernelFile f;
    f.ctime_sec = ctime_sec;
    f.ctime_nsec = ctime_nsec;
    f.seen_sec = seen_sec;
    f.seen_nsec = seen_nsec;
    return f;
}

TEST(CtimeSettled, ACtimeBeforeTheTickOfTheReadingProvesLaterChanges) {
    EXPECT_TRUE(read_at(100, 500, 100, 4000000).ctime_settled());
    EXPECT_TRUE(read_at(99, 999999999, 100, 0).ctime_settled());
}

TEST(CtimeSettled, ACtimeInTheTickOfTheReadingProvesNothing) {
    EXPECT_FALSE(read_at(100, 4000000, 100, 4000000).ctime_settled());
}

TEST(CtimeSettled, ACtimeAfterTheReadingProvesNothing) {
    // A clock stepped back, or a change stamped with a multigrain fine time.
    EXPECT_FALSE(read_at(100, 4000001, 100, 4000000).ctime_settled());
    EXPECT_FALSE(read_at(101, 0, 100, 999999999).ctime_settled());
}

TEST(CtimeSettled, WithSecondTimestampsOnlyAnEarlierSecondCounts) {
    EXPECT_FALSE(read_at(100, 0, 100, 900000000).ctime_settled(1000000000));
    EXPECT_TRUE(read_at(99, 0, 100, 0).ctime_settled(1000000000));
}

TEST(MismatchKind, NamesAreStable) {
    EXPECT_STREQ(mismatch_kind_name(MismatchKind::content), "content");
    EXPECT_STREQ(mismatch_kind_name(MismatchKind::dir_entries), "dir-entries");
    EXPECT_STREQ(mismatch_kind_name(MismatchKind::symlink_target), "symlink-target");
}

TEST(CrosscheckText, AnEqualReportSaysAllEqual) {
    CrosscheckReport r;
    r.mountpoint = "/mnt";
    r.device = "/dev/loop0";
    r.frozen = true;
    EXPECT_NE(crosscheck_text(r).find("\nall equal\n"), std::string::npos);
    EXPECT_EQ(crosscheck_json(r)["summary"]["equal"], true);
}

TEST(CrosscheckText, AContentMismatchShowsTheOffsetAndBothRows) {
    CrosscheckReport r;
    Mismatch m;
    m.path = "/f";
    m.ino = 12;
    m.type = FileType::regular;
    m.kind = MismatchKind::content;
    m.has_offset = true;
    m.offset = 17;
    m.window_offset = 16;
    m.kernel_window = bytes("aaaa");
    m.disk_window = bytes("aZaa");
    r.mismatches.push_back(m);
    const std::string t = crosscheck_text(r);
    EXPECT_NE(t.find("first difference at offset 17"), std::string::npos);
    EXPECT_NE(t.find("    kernel 00000010  61 61 61 61"), std::string::npos);
    EXPECT_NE(t.find("    disk   00000010  61 5a 61 61"), std::string::npos);
    EXPECT_EQ(crosscheck_json(r)["mismatches"][0]["offset"], 17);
}

}  // namespace
}  // namespace e4inline
