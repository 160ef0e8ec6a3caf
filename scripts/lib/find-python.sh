# shellcheck shell=bash
# find-python.sh -- sourced by the scripts: finds a Python 3 that can import
# what the analysis needs, because the first python3 on PATH (pyenv, a venv)
# is often not the one the system's python3-matplotlib package went into.
#
#   parscale_find_python            sets PARSCALE_PY to a python3 with matplotlib
#   parscale_find_python --bare     any python3 will do (no charts needed)
#
# Tried in order: $PARSCALE_PYTHON, python3 on PATH, /usr/bin/python3.

parscale_find_python() {
    local need='import matplotlib' what='matplotlib' c path tried=()
    if [ "${1:-}" = "--bare" ]; then
        need='import sys; sys.exit(sys.version_info < (3, 8))'
        what='Python 3.8 or later'
    fi
    # PARSCALE_PYTHON_FALLBACKS exists for the tests: it replaces the two
    # defaults so "nothing found" can be checked on a machine that has one.
    # shellcheck disable=SC2086
    for c in "${PARSCALE_PYTHON:-}" ${PARSCALE_PYTHON_FALLBACKS:-python3 /usr/bin/python3}; do
        [ -n "$c" ] || continue
        path=$(command -v "$c" 2>/dev/null) || { tried+=("$c (not found)"); continue; }
        if "$path" -c "$need" >/dev/null 2>&1; then
            PARSCALE_PY=$path
            export PARSCALE_PY
            return 0
        fi
        tried+=("$path")
    done
    {
        echo "parscale: no Python 3 with $what found; tried: ${tried[*]:-nothing}."
        echo "  Install it:  sudo apt-get install python3-matplotlib   (Debian/Ubuntu)"
        echo "  or point PARSCALE_PYTHON at a python3 that has it (e.g. a venv with 'pip install matplotlib')."
    } >&2
    return 1
}
