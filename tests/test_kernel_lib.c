/* test_kernel_lib.c -- the checks a kernel table must pass before a loaded
 * library joins a run: every built-in kernel passes them, and each broken
 * field of an otherwise good table is refused with a message naming it.
 * Also: the lookup and the full list with no library loaded, and a path
 * that is missing or not a shared object refused with the path named.
 * (Loading real libraries is tests/kernels/example.sh.) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kernel_lib.h"
#include "kernel_registry.h"

/* A copy of pi's table with one field broken must fail, naming `want`. */
#define EXPECT_REFUSED(field_edit, want)                                     \
    do {                                                                     \
        ps_kernel k_ = *ps_kernel_find("pi");                                \
        ps_kernel *k = &k_;                                                  \
        char msg_[256] = "";                                                 \
        field_edit;                                                          \
        int rc_ = ps_kernel_check(k, msg_, sizeof msg_);                     \
        CHECK_MSG(rc_ == -1 && strstr(msg_, want), "%s: rc %d, message '%s'", \
                  #field_edit, rc_, msg_);                                   \
    } while (0)

static void built_in_kernels_pass(void)
{
    int n = 0;
    for (const ps_kernel *const *k = ps_kernels; *k; k++, n++) {
        char msg[256] = "";
        CHECK_MSG(ps_kernel_check(*k, msg, sizeof msg) == 0, "%s: %s", (*k)->name, msg);
    }
    CHECK(n >= 10);
}

static void malformed_tables_refused(void)
{
    static const ps_kernel_param bad_range[] = {
        {.name = "x", .doc = "a knob", .def = 5, .min = 10, .max = 1}, {.name = NULL}};
    static const ps_kernel_param no_doc[] = {
        {.name = "x", .doc = NULL, .def = 1, .min = 0, .max = 2}, {.name = NULL}};
    EXPECT_REFUSED(k->name = NULL, "no name");
    EXPECT_REFUSED(k->name = "", "no name");
    EXPECT_REFUSED(k->name = "a,b", "unusable name");
    EXPECT_REFUSED(k->name = "a.b", "unusable name");
    EXPECT_REFUSED(k->summary = NULL, "summary");
    EXPECT_REFUSED(k->summary = "two\nlines", "summary");
    EXPECT_REFUSED(k->exercises = NULL, "exercises");
    EXPECT_REFUSED(k->rate_unit = NULL, "rate_unit");
    EXPECT_REFUSED(k->rate_unit = "a,b", "rate_unit");
    EXPECT_REFUSED(k->create = NULL, "no create function");
    EXPECT_REFUSED(k->init = NULL, "no init function");
    EXPECT_REFUSED(k->run = NULL, "no run function");
    EXPECT_REFUSED(k->verify = NULL, "no verify function");
    EXPECT_REFUSED(k->destroy = NULL, "no destroy function");
    EXPECT_REFUSED(k->sizes[PS_SIZE_QUICK] = 0, "size");
    EXPECT_REFUSED(k->steps = 0, "zero steps");
    EXPECT_REFUSED(k->tick = 0, "zero tick");
    EXPECT_REFUSED(k->rate_per_index = 0, "rate_per_index");
    EXPECT_REFUSED(k->bytes_per_index = NAN, "rate_per_index");
    EXPECT_REFUSED(k->params = bad_range, "parameter 1 ('x')");
    EXPECT_REFUSED(k->params = no_doc, "parameter 1 ('x')");
    /* and the same table unbroken passes: the refusals are the fields' */
    ps_kernel good = *ps_kernel_find("pi");
    char msg[256];
    CHECK(ps_kernel_check(&good, msg, sizeof msg) == 0);
    CHECK(ps_kernel_check(NULL, msg, sizeof msg) == -1);
}

static void lookup_without_libraries(void)
{
    ps_kernel_libs libs = {.n = 0};
    CHECK(ps_kernel_lookup(&libs, "pi") == ps_kernel_find("pi"));
    CHECK(ps_kernel_lookup(NULL, "pi") == ps_kernel_find("pi"));
    CHECK(ps_kernel_lookup(&libs, "no-such-kernel") == NULL);
    const ps_kernel *all[64];
    int n = ps_kernel_all(&libs, all, 64), built_in = 0;
    while (ps_kernels[built_in])
        built_in++;
    CHECK(n == built_in && all[n] == NULL);
    for (int i = 0; i < n; i++)
        CHECK(all[i] == ps_kernels[i]);
    CHECK(ps_kernel_all(&libs, all, 3) == 2 && all[2] == NULL);
    ps_buf b = {0};
    ps_kernel_libs_json(&libs, &b);
    CHECK(b.len == 0);  /* the metadata is unchanged when nothing is loaded */
    ps_buf_free(&b);
}

static void bad_paths_refused(void)
{
    ps_kernel_libs libs = {.n = 0};
    ps_err err = {""};
    CHECK(ps_kernel_libs_open(&libs, "/nonexistent/libx.so", &err) == -1);
    CHECK_MSG(strstr(err.msg, "/nonexistent/libx.so") != NULL, "%s", err.msg);
    char path[] = "/tmp/parscale-test-kernel-lib-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "not ELF\n", 8) == 8);
        close(fd);
        CHECK(ps_kernel_libs_open(&libs, path, &err) == -1);
        CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "cannot load") &&
                  !strchr(err.msg, '\n'), "%s", err.msg);
        unlink(path);
    }
    CHECK(libs.n == 0);
}

int main(void)
{
    built_in_kernels_pass();
    malformed_tables_refused();
    lookup_without_libraries();
    bad_paths_refused();
    return check_report("test_kernel_lib");
}
