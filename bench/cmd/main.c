// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench: the command line. This is the only layer that prints or exits; everything below
 * it returns -errno with a sentence in gmb_last_error().
 */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
