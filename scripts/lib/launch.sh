# shellcheck shell=bash
# launch.sh -- how every Python command of parscale starts: a launcher of a
# few lines sources this and calls parscale_launch, which finds the Python
# (find-python.sh), puts scripts/lib on its import path and runs
# `python -m MODULE ARGS...`.  MODULE is a module's full dotted name under
# scripts/lib: parscale_py.commands.sweep (a user command, scripts/*),
# parscale_studies.gil_real (a study, scripts/studies/*).
#
#   parscale_launch MODULE ARGS...           a python3 with matplotlib (charts)
#   parscale_launch --bare MODULE ARGS...    any Python 3.8+ (no charts)
#   parscale_launch --cpython MODULE ARGS... the interpreter under study:
#                                            $PARSCALE_CPYTHON, else python3 on PATH

parscale_launch() {
    local lib py
    lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    # shellcheck source=find-python.sh
    . "$lib/find-python.sh"
    case "${1:-}" in
        --bare) shift; parscale_find_python --bare || exit 1; py=$PARSCALE_PY ;;
        --cpython)
            shift
            py=${PARSCALE_CPYTHON:-python3}
            command -v "$py" >/dev/null 2>&1 || {
                echo "parscale: no interpreter '$py' to study (set PARSCALE_CPYTHON)" >&2
                exit 2
            } ;;
        *) parscale_find_python || exit 1; py=$PARSCALE_PY ;;
    esac
    export PYTHONPATH="$lib${PYTHONPATH:+:$PYTHONPATH}"
    exec "$py" -m "$1" "${@:2}"
}
