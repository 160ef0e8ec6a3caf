# cython: language_level=3, boundscheck=False, wraparound=False
# cython_loops.pyx -- cpython-bench's count and pi loops compiled by Cython
# (cython_build.py builds it into a cache folder on first use).  With
# nogil true each call runs its loop inside `with nogil:`, as the lecture's
# "release the GIL and go crazy"; with nogil false the same compiled loop
# holds the lock from start to end.

cdef extern from *:
    """
    /* An empty asm that claims to read and rewrite x: the C compiler can no
     * longer see what x holds and must do every increment (kernels/count.c). */
    static inline long long ps_keep(long long x) { __asm__ volatile("" : "+r"(x)); return x; }
    """
    long long ps_keep(long long x) nogil


cdef long long count_loop(long long lo, long long hi) nogil:
    cdef long long x = 0
    cdef long long i
    for i in range(lo, hi):
        x = ps_keep(x + 1)
    return x


cdef double pi_loop(long long n, long long lo, long long hi) nogil:
    cdef double h = 1.0 / n
    cdef double s = 0.0
    cdef double x
    cdef long long i
    for i in range(lo, hi):
        x = h * (i + 0.5)
        s += 4.0 / (1.0 + x * x)
    return s * h


def count(long long lo, long long hi, bint nogil):
    """x = x + 1, hi - lo times, in C."""
    cdef long long r
    if nogil:
        with nogil:
            r = count_loop(lo, hi)
    else:
        r = count_loop(lo, hi)
    return r


def pi(long long n, long long lo, long long hi, bint nogil):
    """The midpoint rule for 4/(1+x^2) over [lo, hi) of n intervals, in C."""
    cdef double r
    if nogil:
        with nogil:
            r = pi_loop(n, lo, hi)
    else:
        r = pi_loop(n, lo, hi)
    return r
