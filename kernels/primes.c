/* primes.c -- counts the primes below n by trial division.  Integer-only
 * work whose cost grows along the range (a prime p costs sqrt(p)/2
 * divisions, most composites a few), so an even split of the indices is an
 * uneven split of the work. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

/* Keeps verify's mod-65521 checksum small: exact in a double at any n. */
#define PRIMES_CHECK_MOD 65521u

/* The largest n verify will sieve: 2^33 needs a 256 MiB bitmap. */
#define PRIMES_SIEVE_MAX (UINT64_C(1) << 33)

/* Trial division by 2 and the odd numbers up to sqrt(k); 32-bit division
 * (several times faster than 64-bit) while k fits. */
static int primes_is_prime(uint64_t k)
{
    if (k < 4)
        return k >= 2;
    if ((k & 1) == 0)
        return 0;
    if (k <= UINT32_MAX) {
        uint32_t v = (uint32_t)k;
        for (uint32_t d = 3; (uint64_t)d * d <= v; d += 2)
            if (v % d == 0)
                return 0;
        return 1;
    }
    for (uint64_t d = 3; d <= k / d; d += 2)
        if (k % d == 0)
            return 0;
    return 1;
}

/* Tests each candidate in [lo, hi): counts the primes, and sums them mod
 * 65521 so that a range done twice in place of another of the same length
 * and the same prime count still shows. */
static void primes_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
    uint64_t found = 0, check = 0;
    for (uint64_t k = lo; k < hi; k++)
        if (primes_is_prime(k)) {
            found++;
            check += k % PRIMES_CHECK_MOD;
        }
    acc->v[0] += (double)(hi - lo);
    acc->v[1] += (double)found;
    acc->v[2] += (double)check;
}

/* pi(10^k), the number of primes below 10^k (published values). */
static const uint64_t primes_pi_pow10[] = {
    0, 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534,
    455052511, 4118054813,
};

/* The index in the table when n is a power of ten in it, else -1. */
static int primes_pow10(uint64_t n)
{
    uint64_t p = 1;
    for (int k = 0; k < (int)(sizeof primes_pi_pow10 / sizeof *primes_pi_pow10); k++) {
        if (p == n)
            return k;
        p *= 10;
    }
    return -1;
}

/* An independent reference: the sieve of Eratosthenes over the odd numbers
 * below n, giving the count and the checksum.  Returns -1 without memory. */
static int primes_sieve(uint64_t n, uint64_t *count, uint64_t *check)
{
    *count = 0, *check = 0;
    if (n <= 2)
        return 0;
    uint64_t odds = n / 2;  /* bit j stands for 2j + 1, all below n */
    unsigned char *composite = calloc((size_t)(odds / 8 + 1), 1);
    if (!composite)
        return -1;
    for (uint64_t j = 1; j < odds; j++) {
        if (composite[j >> 3] & (1u << (j & 7)))
            continue;
        uint64_t p = 2 * j + 1;
        for (uint64_t m = p * p / 2; m < odds; m += p)
            composite[m >> 3] |= (unsigned char)(1u << (m & 7));
    }
    *count = 1, *check = 2;  /* the even prime */
    for (uint64_t j = 1; j < odds; j++)
        if (!(composite[j >> 3] & (1u << (j & 7)))) {
            (*count)++;
            *check += (2 * j + 1) % PRIMES_CHECK_MOD;
        }
    free(composite);
    return 0;
}

/* Count and checksum against the sieve (whose count is itself checked
 * against the published pi(10^k) when n is a power of ten); beyond the
 * sieve's reach, the count against the table alone. */
static int primes_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *s = state;
    double steps = (double)s->steps;
    int k = primes_pow10(s->n);
    if (total->v[0] != (double)s->n * steps) {
        snprintf(msg, len, "tested %.0f candidates, expected %.0f",
                 total->v[0], (double)s->n * steps);
        return 0;
    }
    if (k >= 0 && total->v[1] != (double)primes_pi_pow10[k] * steps) {
        snprintf(msg, len, "found %.0f primes below %llu, pi(10^%d) is %llu",
                 total->v[1] / steps, (unsigned long long)s->n, k,
                 (unsigned long long)primes_pi_pow10[k]);
        return 0;
    }
    if (s->n > PRIMES_SIEVE_MAX) {
        if (k >= 0)
            return 1;
        snprintf(msg, len, "no reference for n = %llu: use a power of ten or "
                 "n <= 2^33", (unsigned long long)s->n);
        return 0;
    }
    uint64_t count, check;
    if (primes_sieve(s->n, &count, &check) != 0) {
        snprintf(msg, len, "out of memory for the reference sieve");
        return 0;
    }
    if (k >= 0 && count != primes_pi_pow10[k]) {
        snprintf(msg, len, "reference sieve is wrong: %llu primes below 10^%d",
                 (unsigned long long)count, k);
        return 0;
    }
    if (total->v[1] != (double)count * steps || total->v[2] != (double)check * steps) {
        snprintf(msg, len, "found %.0f primes (checksum %.0f), the sieve %llu (%llu)",
                 total->v[1] / steps, total->v[2] / steps,
                 (unsigned long long)count, (unsigned long long)check);
        return 0;
    }
    return 1;
}

const ps_kernel ps_kernel_primes = {
    .name = "primes",
    .list_order = 90,
    .summary = "counts the primes below n by trial division",
    .exercises = "integer division; work that grows along the range (load balance)",
    .rate_unit = "Mnumbers/s",
    .rate_per_index = 1e-6,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {10000, 1000000, 10000000},
    .steps = 1,
    .tick = 16,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = primes_run,
    .verify = primes_verify,
    .destroy = free,
};
