/* SPDX-License-Identifier: GPL-2.0 */
/* The commands, one file each; main.c picks one by name. Each returns the exit status. */
#ifndef GMB_CMD_H
#define GMB_CMD_H

struct run_state;

int cmd_probe(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
/* report and dashboard: runs the script of that name, passing the arguments through. */
int cmd_script(const char *command, int argc, char **argv);

/* The table gmembench run prints at the end. */
void print_summary(const struct run_state *rs);

#endif /* GMB_CMD_H */
