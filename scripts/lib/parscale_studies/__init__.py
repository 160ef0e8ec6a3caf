"""parscale_studies -- the project's own research and validation, run by
the launchers in scripts/studies/: each measures something the
documentation claims and prints a verdict or a table.

A study may import anything of parscale_py; no module of parscale_py
imports a study (tests/scripts/test_layout.py holds both).
"""
