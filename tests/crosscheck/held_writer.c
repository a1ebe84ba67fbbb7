/* held-writer PATH NBYTES READY GO
 *
 * Appends NBYTES bytes to PATH with one write(2) whose source buffer is a
 * page registered with userfaultfd, so the kernel stops inside the write:
 * ext4 has already stamped the file's ctime (file_modified, at the start of
 * ext4_buffered_write_iter) and holds the inode lock, but has not copied a
 * byte nor moved i_size. Once stopped there the program creates READY,
 * then waits for GO to exist before it supplies the page and lets the write
 * finish. Exit 0 when the write completed in full, 77 when userfaultfd is
 * not available here, 1 on any other failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct job {
    int fd;
    char *buf;
    size_t n;
    ssize_t done;
    int err;
};

static void *do_write(void *arg)
{
    struct job *j = arg;
    j->done = write(j->fd, j->buf, j->n);
    j->err = errno;
    return NULL;
}

static int fail(const char *what)
{
    fprintf(stderr, "held-writer: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: held-writer PATH NBYTES READY GO\n");
        return 1;
    }
    const long page = sysconf(_SC_PAGESIZE);
    const size_t n = strtoul(argv[2], NULL, 0);
    if (n == 0 || n > (size_t)page) {
        fprintf(stderr, "held-writer: NBYTES must be 1 to %ld\n", page);
        return 1;
    }
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (uffd < 0) {
        fprintf(stderr, "held-writer: userfaultfd: %s\n", strerror(errno));
        return 77;
    }
    struct uffdio_api api = { .api = UFFD_API };
    if (ioctl(uffd, UFFDIO_API, &api) != 0)
        return fail("UFFDIO_API");
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return fail("mmap");
    struct uffdio_register reg = {
        .range = { .start = (unsigned long)buf, .len = page },
        .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
        return fail("UFFDIO_REGISTER");

    struct job j = { .buf = buf, .n = n };
    j.fd = open(argv[1], O_WRONLY | O_APPEND | O_CLOEXEC);
    if (j.fd < 0)
        return fail(argv[1]);
    pthread_t t;
    if (pthread_create(&t, NULL, do_write, &j) != 0)
        return fail("pthread_create");

    /* The write's first touch of the buffer is the kernel's. */
    struct uffd_msg msg;
    struct pollfd p = { .fd = uffd, .events = POLLIN };
    if (poll(&p, 1, 60000) != 1)
        return fail("waiting for the write to fault");
    if (read(uffd, &msg, sizeof msg) != sizeof msg || msg.event != UFFD_EVENT_PAGEFAULT)
        return fail("reading the fault");
    int ready = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (ready < 0)
        return fail(argv[3]);
    close(ready);

    struct stat st;
    while (stat(argv[4], &st) != 0)
        usleep(10000);

    char *src = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (src == MAP_FAILED)
        return fail("mmap");
    for (size_t i = 0; i < (size_t)page; i++)
        src[i] = (char)('A' + i % 26);
    struct uffdio_copy copy = {
        .dst = msg.arg.pagefault.address & ~((unsigned long)page - 1),
        .src = (unsigned long)src,
        .len = page,
    };
    if (ioctl(uffd, UFFDIO_COPY, &copy) != 0)
        return fail("UFFDIO_COPY");
    pthread_join(t, NULL);
    if (j.done != (ssize_t)n) {
        errno = j.err;
        return fail("the held write");
    }
    return 0;
}
