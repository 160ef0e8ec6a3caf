/* cli.h -- the command line: the only layer that prints errors and picks
 * exit statuses (0 fine, 1 a measurement failed, 2 bad input). */
#ifndef PS_CLI_H
#define PS_CLI_H

int ps_cli_main(int argc, char **argv);

#endif
