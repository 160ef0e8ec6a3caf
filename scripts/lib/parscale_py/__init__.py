"""parscale_py -- analysis, charts and reports for parscale's CSV.

Everything here works from the CSV (and the metadata beside it) alone, so a
CSV written on a cluster can be analysed on a laptop.  The definitions of
every statistic live in stats.py and nowhere else.
"""
