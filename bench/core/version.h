/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GMB_VERSION_H
#define GMB_VERSION_H

/* "0.1.0", or "0.1.0-g<commit>[-dirty]" from a git checkout: what --version and results say. */
const char *gmb_version(void);

#endif /* GMB_VERSION_H */
