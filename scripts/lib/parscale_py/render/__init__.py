"""parscale_py.render -- what the user sees drawn or written: the charts
(plots), the report document (reportdoc: Markdown and HTML) and the
summary table with its findings (summary).

Imports the library modules at parscale_py's top only (never a command,
cpython or a study): anything here may be used by any command.
"""
