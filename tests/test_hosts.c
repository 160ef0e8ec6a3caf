/* test_hosts.c -- where ranks run, decided from their hosts: each host
 * counted once, cores and oversubscription judged host by host, the
 * placement string of the first w ranks, and the metadata's host list;
 * the CPU fingerprint that tells two hosts' CPUs apart. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cpu_ident.h"
#include "hosts.h"

/* A rank's host as the ranks would describe it: name and cores. */
static ps_host host(const char *name, int cores)
{
    ps_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "%s", name);
    snprintf(h.cpu_model, sizeof h.cpu_model, "cpu of %s", name);
    h.cores = cores;
    return h;
}

int main(void)
{
    ps_err err = {""};
    char buf[64];

    /* --map-by node: ranks alternate n1, n2, n1, n2 on 2-core hosts */
    ps_host rr[4] = {host("n1", 2), host("n2", 2), host("n1", 2), host("n2", 2)};
    ps_hosts h;
    CHECK(ps_hosts_build(&h, rr, 4, &err) == 0);
    CHECK(h.nhosts == 2);
    CHECK(h.rank_host[0] == 0 && h.rank_host[1] == 1 && h.rank_host[2] == 0);
    CHECK_MSG(ps_hosts_cores(&h, 4) == 4, "%d", ps_hosts_cores(&h, 4));
    CHECK(ps_hosts_cores(&h, 1) == 2);        /* one rank: one host's cores */
    CHECK(ps_hosts_cores(&h, 2) == 4);
    ps_hosts_placement(&h, 1, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "n1:1") == 0, "%s", buf);
    ps_hosts_placement(&h, 2, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "n1:1,n2:1") == 0, "%s", buf);
    ps_hosts_placement(&h, 4, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "n1:2,n2:2") == 0, "%s", buf);
    CHECK(!ps_hosts_oversubscribed(&h, 4, 1));   /* 2 ranks on each 2-core host */
    CHECK(ps_hosts_oversubscribed(&h, 4, 2));    /* 4 workers on each */
    CHECK(!ps_hosts_oversubscribed(&h, 2, 2));   /* 2 ranks x 2 on two hosts */
    ps_buf j = {0};
    ps_hosts_json(&h, &j);
    CHECK_MSG(j.data && strstr(j.data, "\"host\":\"n2\",\"cores_online\":2,\"cpu_model\":"
                                       "\"cpu of n2\"") &&
                  strstr(j.data, "\"ranks\":[0,2]") && strstr(j.data, "\"ranks\":[1,3]"),
              "%s", j.data ? j.data : "(null)");
    ps_buf_free(&j);
    ps_hosts_free(&h);

    /* the default mapping: ranks 0-1 on n1, 2-3 on n2, n2 with 4 cores;
     * 2 ranks x 2 threads all on n1 oversubscribe it although the launch
     * has 6 cores */
    ps_host bl[4] = {host("n1", 2), host("n1", 2), host("n2", 4), host("n2", 4)};
    CHECK(ps_hosts_build(&h, bl, 4, &err) == 0);
    CHECK(ps_hosts_cores(&h, 4) == 6);
    CHECK(ps_hosts_cores(&h, 2) == 2);
    CHECK(ps_hosts_oversubscribed(&h, 2, 2));
    CHECK(!ps_hosts_oversubscribed(&h, 2, 1));
    CHECK(ps_hosts_oversubscribed(&h, 4, 2));    /* n1 has 4 workers, 2 cores */
    ps_hosts_placement(&h, 3, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "n1:2,n2:1") == 0, "%s", buf);
    /* too long for the buffer: cut, and said so */
    char small[8];
    ps_hosts_placement(&h, 4, small, sizeof small);
    CHECK_MSG(strcmp(small, "n1:2...") == 0, "%s", small);
    ps_hosts_free(&h);

    /* this process's own host: a name and at least one core */
    ps_host me;
    ps_hosts_local(&me);
    CHECK(me.name[0] != '\0' && me.cores >= 1);

    /* the CPU's fingerprint: what moves (cpu MHz) is not in it, what tells
     * two CPUs of one name apart (ISA, stepping, caches) is */
    ps_cpu_ident a;
    memset(&a, 0, sizeof a);
    snprintf(a.vendor, sizeof a.vendor, "AuthenticAMD");
    snprintf(a.model_name, sizeof a.model_name, "AMD EPYC");
    snprintf(a.isa, sizeof a.isa, "sse4_2 avx avx2 fma avx512f");
    a.family = 25, a.model = 17, a.stepping = 1, a.cpuinfo_mhz = 2400;
    char fa[17], fb[17];
    ps_cpu_fingerprint(&a, "L1d 32K", fa);
    CHECK_MSG(strlen(fa) == 16 && strspn(fa, "0123456789abcdef") == 16, "%s", fa);
    ps_cpu_ident b = a;
    b.cpuinfo_mhz = 3100;
    ps_cpu_fingerprint(&b, "L1d 32K", fb);
    CHECK_MSG(strcmp(fa, fb) == 0, "MHz moved the fingerprint: %s %s", fa, fb);
    snprintf(b.isa, sizeof b.isa, "sse4_2 avx avx2 fma");
    ps_cpu_fingerprint(&b, "L1d 32K", fb);
    CHECK_MSG(strcmp(fa, fb) != 0, "AVX-512 or not: same fingerprint %s", fa);
    b = a;
    b.stepping = 2;
    ps_cpu_fingerprint(&b, "L1d 32K", fb);
    CHECK(strcmp(fa, fb) != 0);
    ps_cpu_fingerprint(&a, "L1d 48K", fb);
    CHECK(strcmp(fa, fb) != 0);
    ps_cpu_ident none;
    memset(&none, 0, sizeof none);
    none.family = none.model = none.stepping = -1;
    ps_cpu_fingerprint(&none, "", fb);
    CHECK_MSG(fb[0] == '\0', "nothing known, yet fingerprint %s", fb);
    /* this host: collected twice, the same */
    ps_cpu_ident c1, c2;
    ps_cpu_ident_collect(&c1, me.caches);
    ps_cpu_ident_collect(&c2, me.caches);
    CHECK(strcmp(c1.fingerprint, c2.fingerprint) == 0);
    CHECK(strcmp(c1.fingerprint, me.fingerprint) == 0);
    return check_report("test_hosts");
}
