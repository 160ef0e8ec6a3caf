"""parscale_py.cpython -- the benchmark the sweep and the GIL studies run
on real interpreters (scripts/studies/cpython-bench): the same kernels in
pure Python under threads, processes, asyncio, subinterpreters, Cython,
Trio and uvloop.

Standard library only and imported by the interpreter under study, which
may be any CPython 3.8+ (py2bench and pykernels: 2.7 too), so this package
imports nothing from parscale_py but its plain library modules.
"""
