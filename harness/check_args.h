/* check_args.h -- `parscale run --check-args ARGS...`: parses and checks
 * ARGS exactly as `parscale run ARGS...` would, runs nothing, and prints
 * them normalised as JSON, so that a script wrapping parscale (submit)
 * sees every option the way parscale does, whatever the spelling (glued
 * short options -bseq, abbreviations --cs=x.csv). */
#ifndef PS_CHECK_ARGS_H
#define PS_CHECK_ARGS_H

/* argv[0] is "run"; the rest are the arguments to check.  Prints the JSON
 * and returns 0; on bad input prints {"given": [...], "error": "..."} on
 * stdout, the one-line message on stderr, and exits 2. */
int ps_check_args(int argc, char **argv);

#endif
