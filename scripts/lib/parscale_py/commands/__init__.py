"""parscale_py.commands -- one module per user command (the launchers in
scripts/: sweep, plot, report, compare with references and ab, submit,
e2e-timing, landscape), each with its main().

A command imports the library (parscale_py's top), render and cpython; it
may call another command's entry (the sweep runs report, landscape and
e2e; compare hands --ab to ab and references to references) as long as no
two import each other.
"""
