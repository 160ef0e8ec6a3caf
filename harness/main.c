/* main.c -- parscale's entry point; everything else is in the library the
 * tests link too. */
#include "cli.h"

int main(int argc, char **argv)
{
    return ps_cli_main(argc, argv);
}
