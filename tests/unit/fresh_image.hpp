// A fresh 4 MiB ext4 image with inline_data in /tmp for one test, removed
// after it; the test is skipped when mke2fs is missing.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

class FreshImage : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/e4i-unit-XXXXXX";
        const int fd = mkstemp(tmpl);
        ASSERT_GE(fd, 0);
        close(fd);
        path_ = tmpl;
        const std::string cmd = "PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext4 -O inline_data " + path_ +
                                " 4M >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0)
            GTEST_SKIP() << "mke2fs not available";
    }
    void TearDown() override { unlink(path_.c_str()); }
    std::string path_;
};
