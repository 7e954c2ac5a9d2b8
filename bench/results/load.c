// SPDX-License-Identifier: GPL-2.0
/* Reading results documents back: one file, a run directory, or a tree of runs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "results/results.h"

/*
 * Opens path (name: the same, escaped for messages) for reading only if it is a regular file:
 * a FIFO or a device named results.json would block or never end. O_NONBLOCK makes the open
 * itself safe against a FIFO swapped in after a stat().
 */
static int open_regular(const char *path, const char *name, FILE **out)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return gmb_error(errno, "cannot read %s: %s", name, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return gmb_error(EINVAL, "%s is not a regular file", name);
	}
	*out = fdopen(fd, "r");
	if (!*out) {
		close(fd);
		return gmb_error(errno, "cannot read %s: %s", name, strerror(errno));
	}
	return 0;
}

int results_load(const char *path, json_t **doc)
{
	char name[512], text[128];
	json_error_t error;
	const char *schema;
	json_t *root;
	FILE *f;
	int ret;

	escape_text(path, name, sizeof(name));
	ret = open_regular(path, name, &f);
	if (ret)
		return ret;
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &error);
	fclose(f);
	if (!root)
		return gmb_error(EINVAL, "%s is not valid JSON (line %d, column %d: %s)", name,
				 error.line, error.column,
				 escape_text(error.text, text, sizeof(text)));
	schema = json_string_value(json_object_get(root, "schema"));
	if (!schema || strcmp(schema, RESULTS_SCHEMA)) {
		/* The message is made before root, which holds schema, is freed. */
		ret = gmb_error(EINVAL, "%s is not a gmembench results document (schema \"%s\")",
				name, schema ? escape_text(schema, text, sizeof(text)) : "missing");
		json_decref(root);
		return ret;
	}
	ret = results_validate(root, name);
	if (ret) {
		json_decref(root);
		return ret;
	}
	*doc = root;
	return 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends every results.json below dir to *paths. */
static int find_results(const char *dir, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char name[512];
	int ret = 0;

	if (!d)
		return gmb_error(errno, "cannot open %s: %s", escape_text(dir, name, sizeof(name)),
				 strerror(errno));
	while (!ret && (e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			ret = find_results(path, paths, n);
		} else if (!strcmp(e->d_name, RESULTS_JSON)) {
			char **grown = realloc(*paths, (*n + 1) * sizeof(**paths));

			if (!grown || !(grown[*n] = strdup(path))) {
				*paths = grown ? grown : *paths;
				ret = gmb_error(ENOMEM, "out of memory");
				break;
			}
			*paths = grown;
			(*n)++;
		}
	}
	closedir(d);
	return ret;
}

int results_collect(const char *path, json_t ***docs, size_t *count)
{
	char **paths = NULL, name[512];
	size_t n = 0;
	struct stat st;
	int ret = 0;

	*docs = NULL;
	*count = 0;
	escape_text(path, name, sizeof(name));
	if (stat(path, &st))
		return gmb_error(errno, "cannot read %s: %s", name, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		ret = find_results(path, &paths, &n);
		if (!ret && !n)
			ret = gmb_error(ENOENT, "no %s under %s", RESULTS_JSON, name);
		if (n)
			qsort(paths, n, sizeof(*paths), path_cmp);
	} else {
		paths = malloc(sizeof(*paths));
		if (!paths || !(paths[0] = strdup(path)))
			ret = gmb_error(ENOMEM, "out of memory");
		else
			n = 1;
	}
	if (!ret) {
		*docs = calloc(n, sizeof(**docs));
		if (!*docs)
			ret = gmb_error(ENOMEM, "out of memory");
	}
	for (size_t i = 0; !ret && i < n; i++) {
		ret = results_load(paths[i], &(*docs)[i]);
		if (!ret)
			(*count)++;
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	if (ret) {
		for (size_t i = 0; i < *count; i++)
			json_decref((*docs)[i]);
		free(*docs);
		*docs = NULL;
		*count = 0;
	}
	return ret;
}
