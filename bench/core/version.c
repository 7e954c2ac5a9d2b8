// SPDX-License-Identifier: GPL-2.0
/*
 * The exact build: the release and, from a git checkout (or a tarball made from one), the
 * commit and whether the tree had changes, so that results and dashboards tell builds apart.
 * gmb-version.h is written by the build (Makefile.am) and rewritten only when it changes.
 */
#include "core/version.h"
#include "gmb-version.h"

const char *gmb_version(void)
{
	return GMB_VERSION;
}
