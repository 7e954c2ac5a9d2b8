// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a run: its directory, results.json, samples.csv and summary.csv, each written
 * atomically (a temporary file, then rename(2)): a reader sees the previous complete file or
 * the new one, never half of one.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "results/metrics.h"
#include "results/results.h"

int results_make_run_dir(struct run_state *rs)
{
	struct utsname uts;
	unsigned char rnd[3] = { 0 };
	char date[32];
	time_t t = time(NULL);
	struct tm tm;
	char *p;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (unsigned char)getpid();
	uname(&uts);
	for (p = uts.nodename; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d-%H%M%S", &tm);
	snprintf(rs->run_id, sizeof(rs->run_id), "%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
	utc_now_iso(rs->started, sizeof(rs->started));

	if (mkdir(rs->cfg.output_dir, 0755) && errno != EEXIST && !rs->cfg.output_given) {
		/* The default, results/runs, may need its parent too; a given one never does. */
		char parent[4096];

		snprintf(parent, sizeof(parent), "%s", rs->cfg.output_dir);
		if (mkdir(dirname(parent), 0755) && errno != EEXIST)
			return gmb_error(errno, "cannot create %s: %s", parent, strerror(errno));
		if (mkdir(rs->cfg.output_dir, 0755) && errno != EEXIST)
			return gmb_error(errno, "cannot create %s: %s", rs->cfg.output_dir,
					 strerror(errno));
	}
	snprintf(rs->run_dir, sizeof(rs->run_dir), "%s/%s-%s-%s", rs->cfg.output_dir, date,
		 uts.nodename, rs->run_id);
	if (mkdir(rs->run_dir, 0755))
		return gmb_error(errno, "cannot create %s: %s", rs->run_dir, strerror(errno));
	return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4200], dir[4096];
	int fd, dir_fd, err;
	size_t done = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return gmb_error(errno, "cannot create %s: %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	/* Make the rename itself durable. */
	snprintf(dir, sizeof(dir), "%s", path);
	dir_fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		fsync(dir_fd);
		close(dir_fd);
	}
	return 0;

fail:
	err = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return gmb_error(err, "writing %s failed: %s (the previous version, if any, is kept)", path,
			 strerror(err));
}

static int write_json_atomic(const char *path, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	int ret;

	if (!text)
		return gmb_error(ENOMEM, "cannot serialise %s", path);
	ret = write_file_atomic(path, text, strlen(text));
	free(text);
	return ret;
}

static void csv_case_columns(FILE *f, const struct case_result *cr)
{
	fprintf(f, "%s,%s,%s,%s,%s,%u,%" PRIu64, cr->id, cr->params.workload->name,
		cr->params.variant, cr->params.backend->name, cr->params.raw ? "raw" : "harness",
		cr->params.nr_vcpus, cr->params.guest_page_size);
}

/* Long format, one row per sample and metric: what a spreadsheet pivot wants. */
static int write_samples_csv(struct run_state *rs, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return gmb_error(errno, "open_memstream failed");
	fprintf(f, "case,workload,variant,backend,mode,vcpus,guest_page_size,sample,warmup,"
		   "metric,unit,value\n");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		bool has[METRIC_NR];

		/* What the case cannot have is left out (once per case, not per sample). */
		for (int id = 0; id < METRIC_NR; id++) {
			const char *why;

			has[id] = !(id == METRIC_GUEST_NS_PER_OP && !rs->tsc_khz) &&
				  metric_applies(cr, id) &&
				  metric_values(rs, cr, id, NULL, &why) >= 0;
		}
		for (unsigned int s = 0; s < cr->nr_samples; s++) {
			for (int id = 0; id < METRIC_NR; id++) {
				struct metric_def def;
				double value;

				if (!has[id])
					continue;
				/* 0/0: the sample had no operation of the metric's kind. */
				value = sample_metric(rs, cr, &cr->samples[s], id);
				if (isnan(value))
					continue;
				metric_def(cr, id, &def);
				csv_case_columns(f, cr);
				fprintf(f, ",%u,%d,%s,%s,%.10g\n", s, cr->samples[s].warmup,
					def.name, def.unit, value);
			}
		}
	}
	fclose(f);
	ret = write_file_atomic(path, buf, len);
	free(buf);
	return ret;
}

static int write_summary_csv(struct run_state *rs, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	double *values;
	int ret;

	if (!f)
		return gmb_error(errno, "open_memstream failed");
	fprintf(f, "case,workload,variant,backend,mode,vcpus,guest_page_size,status,metric,unit,"
		   "n,median,ci_low,ci_high,p10,p90,p99,mean,min,max,reason\n");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];

		values = calloc(cr->nr_samples + 1, sizeof(double));
		for (int id = 0; id < METRIC_NR && values; id++) {
			struct metric_def def;
			struct stats_summary s;
			const char *why;
			int n;

			if (!metric_applies(cr, id))
				continue;
			metric_def(cr, id, &def);
			n = metric_values(rs, cr, id, values, &why);
			if (n < 0)
				continue;
			stats_summarize(values, n, case_seed(rs, i, id), &s);
			csv_case_columns(f, cr);
			fprintf(f, ",%s,%s,%s,%d", case_status_name(cr->status), def.name, def.unit,
				n);
			if (n)
				fprintf(f, ",%.10g", s.median);
			else
				fprintf(f, ",");
			if (s.has_ci)
				fprintf(f, ",%.10g,%.10g", s.ci_low, s.ci_high);
			else
				fprintf(f, ",,");
			if (n)
				fprintf(f, ",%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", s.p10, s.p90,
					s.p99, s.mean, s.min, s.max);
			else
				fprintf(f, ",,,,,,");
			/* Reasons are prose: quote them, doubling any quote. */
			fputs(",\"", f);
			for (const char *p = cr->reason; *p; p++)
				fputs(*p == '"' ? "\"\"" : (char[2]){ *p, 0 }, f);
			fputs("\"\n", f);
		}
		free(values);
	}
	fclose(f);
	ret = write_file_atomic(path, buf, len);
	free(buf);
	return ret;
}

int results_write(struct run_state *rs)
{
	char path[4200];
	json_t *root;
	int ret;

	if (strcmp(rs->status, "running"))
		utc_now_iso(rs->finished, sizeof(rs->finished));
	root = results_document(rs);
	snprintf(path, sizeof(path), "%s/%s", rs->run_dir, RESULTS_JSON);
	ret = write_json_atomic(path, root);
	json_decref(root);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/samples.csv", rs->run_dir);
	ret = write_samples_csv(rs, path);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/summary.csv", rs->run_dir);
	return write_summary_csv(rs, path);
}
