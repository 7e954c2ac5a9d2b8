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

int results_load(const char *path, json_t **doc)
{
	json_error_t error;
	const char *schema;
	json_t *root;
	int version;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		if (access(path, R_OK))
			return gmb_error(errno, "cannot read %s: %s", path, strerror(errno));
		return gmb_error(EINVAL, "%s is not valid JSON (line %d, column %d: %s)", path,
				 error.line, error.column, error.text);
	}
	schema = json_string_value(json_object_get(root, "schema"));
	version = (int)json_integer_value(json_object_get(root, "schema_version"));
	if (!schema || strcmp(schema, RESULTS_SCHEMA)) {
		json_decref(root);
		return gmb_error(EINVAL, "%s is not a gmembench results document (schema \"%s\")",
				 path, schema ? schema : "missing");
	}
	if (version != RESULTS_SCHEMA_VERSION) {
		json_decref(root);
		return gmb_error(EINVAL,
				 "%s has schema version %d; this gmembench reads version %d", path,
				 version, RESULTS_SCHEMA_VERSION);
	}
	if (!json_is_array(json_object_get(root, "cases"))) {
		json_decref(root);
		return gmb_error(EINVAL, "%s has no cases array", path);
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
	int ret = 0;

	if (!d)
		return gmb_error(errno, "cannot open %s: %s", dir, strerror(errno));
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
	char **paths = NULL;
	size_t n = 0;
	struct stat st;
	int ret = 0;

	*docs = NULL;
	*count = 0;
	if (stat(path, &st))
		return gmb_error(errno, "cannot read %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		ret = find_results(path, &paths, &n);
		if (!ret && !n)
			ret = gmb_error(ENOENT, "no %s under %s", RESULTS_JSON, path);
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
