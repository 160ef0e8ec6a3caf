#!/usr/bin/env bash
# The binary has exactly the backends its build was configured with: the
# tests that skip a backend the build leaves out (has_backend in lib.sh)
# are honest only while a backend cannot go missing from a build that has it.
#   backends_built.sh PARSCALE BACKEND,BACKEND,...
. "$(dirname "$0")/lib.sh"
want=$(tr , '\n' <<<"${2:?usage: $0 PARSCALE BACKENDS}" | sort)
got=$("$PARSCALE" list | awk '/^backends$/ {on = 1; next} on && /^  [a-z]/ {print $1}' | sort)
[ "$want" = "$got" ] && pass || fail "parscale list shows backends '$(echo $got)', the build was configured with '$(echo $want)'"
# and what it leaves out, it says why
for b in omp mpi hybrid; do
  grep -qx "$b" <<<"$got" && continue
  "$PARSCALE" list | grep -q "^  ($b: not in this build; " && pass || fail "list does not say why $b is missing"
done
finish
