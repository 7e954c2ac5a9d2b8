// SPDX-License-Identifier: GPL-2.0
/*
 * A stress run's record (results/SCHEMA.md, "Stress runs"): stress.json, a document of its own
 * schema ("gmembench-stress") since it holds counts and checks rather than samples, and
 * beside it the evidence: kernel-log.txt (every kernel log record read since the marker) and
 * failure.txt (what failed, with the case). Each is written atomically.
 */
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "core/version.h"
#include "results/results.h"
#include "results/stress.h"

int stress_make_dir(const char *output_dir, bool given, char *dir, size_t len)
{
	unsigned char rnd[3] = { 0 };
	struct utsname uts;
	char date[32], parent[4096];
	time_t t = time(NULL);
	struct tm tm;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (unsigned char)getpid();
	uname(&uts);
	for (char *p = uts.nodename; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d-%H%M%S", &tm);
	/* The default (results/stress) may need its parent too; a given one never does. */
	if (!given) {
		snprintf(parent, sizeof(parent), "%s", output_dir);
		if (mkdir(dirname(parent), 0755) && errno != EEXIST)
			return gmb_error(errno, "cannot create %s: %s", parent, strerror(errno));
	}
	if (mkdir(output_dir, 0755) && errno != EEXIST)
		return gmb_error(errno, "cannot create %s: %s", output_dir, strerror(errno));
	snprintf(dir, len, "%s/%s-%s-stress-%02x%02x%02x", output_dir, date, uts.nodename, rnd[0],
		 rnd[1], rnd[2]);
	if (mkdir(dir, 0755))
		return gmb_error(errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

static json_t *json_text(const char *text)
{
	return text && text[0] ? json_string(text) : json_null();
}

static json_t *stress_job_json(const struct stress_job *job)
{
	json_t *j = json_object(), *variants = json_array(), *skipped = json_array();

	for (unsigned int v = 0; v < job->nr_variants; v++)
		json_array_append_new(
			variants, json_pack("{s:s, s:I, s:I}", "name", job->variants[v].name,
					    "samples", (json_int_t)job->variants[v].samples,
					    "iterations", (json_int_t)job->variants[v].iterations));
	for (unsigned int v = 0; v < job->nr_skipped; v++)
		json_array_append_new(skipped,
				      json_pack("{s:s, s:s}", "variant", job->skipped[v].variant,
						"reason", job->skipped[v].reason));
	json_object_set_new(j, "id", json_string(job->id));
	json_object_set_new(j, "workload", json_string(job->workload->name));
	json_object_set_new(j, "backend", json_string(job->backend->name));
	json_object_set_new(j, "status", json_string(stress_job_status_name(job->status)));
	json_object_set_new(j, "reason", json_text(job->reason));
	json_object_set_new(j, "vcpus", json_integer(job->nr_vcpus));
	json_object_set_new(j, "variants", variants);
	json_object_set_new(j, "skipped_variants", skipped);
	json_object_set_new(j, "guests", json_integer((json_int_t)job->guests));
	json_object_set_new(j, "samples", json_integer((json_int_t)job->samples));
	json_object_set_new(j, "operations", json_integer((json_int_t)job->ops));
	json_object_set_new(j, "operation", json_string(job->workload->op_name));
	json_object_set_new(j, "checks",
			    json_pack("{s:I, s:I, s:I}", "guest_pages",
				      (json_int_t)job->guest_checks, "host_pages",
				      (json_int_t)job->host_checks, "counts",
				      (json_int_t)job->count_checks));
	json_object_set_new(j, "memslot_changes", json_integer((json_int_t)job->memslot_changes));
	if (job->status == STRESS_JOB_FAILED && job->failed_variant)
		json_object_set_new(j, "failed_case",
				    json_pack("{s:s, s:I}", "variant", job->failed_variant,
					      "sample", (json_int_t)job->failed_sample));
	return j;
}

void stress_totals(const struct stress_run *sr, struct stress_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < sr->nr_jobs; i++) {
		const struct stress_job *job = &sr->jobs[i];

		t->jobs_run += job->status == STRESS_JOB_OK || job->status == STRESS_JOB_FAILED;
		t->guests += job->guests;
		t->samples += job->samples;
		t->ops += job->ops;
		t->guest_checks += job->guest_checks;
		t->host_checks += job->host_checks;
		t->count_checks += job->count_checks;
		t->memslot_changes += job->memslot_changes;
	}
}

static json_t *stress_kmsg_json(const struct stress_run *sr, bool evidence)
{
	const struct kmsg_watch *w = &sr->kmsg;
	json_t *reports = json_array();

	for (uint64_t i = 0; i < w->reported && i < KMSG_MAX_REPORTS; i++)
		json_array_append_new(reports, json_pack("{s:s, s:s}", "kind", w->reports[i].kind,
							 "line", w->reports[i].line));
	return json_pack("{s:b, s:s, s:o, s:I, s:I, s:I, s:o, s:o}", "watched", w->available,
			 "source", w->path, "unavailable", json_text(w->available ? "" : w->reason),
			 "records", (json_int_t)w->records, "lost", (json_int_t)w->lost, "reports",
			 (json_int_t)w->reported, "report_lines", reports, "evidence",
			 evidence ? json_string("kernel-log.txt") : json_null());
}

json_t *stress_document(const struct stress_run *sr, json_t *environment, int argc, char **argv)
{
	const struct stress_config *cfg = &sr->cfg;
	json_t *doc = json_object(), *jobs = json_array(), *backends = json_array();
	json_t *wl_names = json_array(), *command = json_array();
	struct stress_totals t;

	stress_totals(sr, &t);
	for (int i = 0; i < argc; i++)
		json_array_append_new(command, json_string(argv[i]));
	for (int i = 0; i < cfg->nr_workloads; i++)
		json_array_append_new(wl_names, json_string(cfg->workloads[i]->name));
	for (int i = 0; i < cfg->nr_backends; i++) {
		const struct backend_probe *p = &sr->probes[cfg->backends[i]->id];

		json_array_append_new(backends,
				      json_pack("{s:s, s:s, s:o}", "name", cfg->backends[i]->name,
						"status", backend_status_name(p->status), "reason",
						json_text(p->reason)));
	}
	for (unsigned int i = 0; i < sr->nr_jobs; i++)
		json_array_append_new(jobs, stress_job_json(&sr->jobs[i]));

	json_object_set_new(doc, "schema", json_string(STRESS_SCHEMA));
	json_object_set_new(doc, "schema_version", json_integer(STRESS_SCHEMA_VERSION));
	json_object_set_new(doc, "suite",
			    json_pack("{s:s, s:s}", "name", "gmembench", "version", gmb_version()));
	json_object_set_new(doc, "run",
			    json_pack("{s:o, s:s, s:o, s:s, s:o, s:i, s:f}", "command", command,
				      "started", sr->started, "finished", json_text(sr->finished),
				      "status", sr->status, "failure", json_text(sr->failure),
				      "duration_s", cfg->duration_s, "elapsed_s",
				      (double)sr->elapsed_ns / 1e9));
	json_object_set_new(doc, "config",
			    json_pack("{s:o, s:o, s:i, s:i, s:I, s:b, s:i}", "workloads", wl_names,
				      "backends", json_incref(backends), "vcpus", cfg->vcpus, "vms",
				      cfg->vms, "data_size", (json_int_t)cfg->data_size, "memslots",
				      cfg->memslots, "watchdog_s", cfg->watchdog_s));
	json_decref(backends);
	json_object_set_new(doc, "environment",
			    environment ? json_incref(environment) : json_null());
	json_object_set_new(doc, "kernel_log", stress_kmsg_json(sr, sr->kmsg.evidence_len > 0));
	json_object_set_new(doc, "jobs", jobs);
	json_object_set_new(
		doc, "totals",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "jobs_run",
			  (json_int_t)t.jobs_run, "guests", (json_int_t)t.guests, "samples",
			  (json_int_t)t.samples, "operations", (json_int_t)t.ops,
			  "guest_page_checks", (json_int_t)t.guest_checks, "host_page_checks",
			  (json_int_t)t.host_checks, "count_checks", (json_int_t)t.count_checks,
			  "memslot_changes", (json_int_t)t.memslot_changes));
	return doc;
}

/* failure.txt: what failed, the case, and the kernel's reports, for a reader without jq. */
static int stress_write_failure(const struct stress_run *sr, const char *dir)
{
	char path[4200], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return gmb_error(errno, "open_memstream failed");
	fprintf(f, "gmembench stress failed: %s\n", sr->failure);
	for (unsigned int i = 0; i < sr->nr_jobs; i++) {
		const struct stress_job *job = &sr->jobs[i];

		if (job->status != STRESS_JOB_FAILED)
			continue;
		fprintf(f, "\njob %s (%u vCPUs, --size %" PRIu64 "): %s\n", job->id, job->nr_vcpus,
			sr->cfg.data_size, job->reason);
		if (!job->failed_variant)
			continue;
		fprintf(f, "  case: %s on %s, variant %s, sample %" PRIu64 " of its guest\n",
			job->workload->name, job->backend->name, job->failed_variant,
			job->failed_sample);
		/* The case alone, then the job with the others around it again. */
		fprintf(f,
			"  alone: gmembench run -w %s --variant %s -b %s --vcpus %u --size %" PRIu64
			"\n",
			job->workload->name, job->failed_variant, job->backend->name, job->nr_vcpus,
			sr->cfg.data_size);
		fprintf(f,
			"  again: gmembench stress -w %s -b %s --vcpus %u --size %" PRIu64 "%s\n",
			job->workload->name, job->backend->name, sr->cfg.vcpus, sr->cfg.data_size,
			sr->cfg.memslots ? "" : " --no-memslots");
	}
	for (uint64_t i = 0; i < sr->kmsg.reported && i < KMSG_MAX_REPORTS; i++)
		fprintf(f, "%s kernel log, %s: %s\n", i ? "" : "\n", sr->kmsg.reports[i].kind,
			sr->kmsg.reports[i].line);
	fclose(f);
	snprintf(path, sizeof(path), "%s/failure.txt", dir);
	ret = write_file_atomic(path, buf, len);
	free(buf);
	return ret;
}

int stress_write(const struct stress_run *sr, const char *dir, json_t *environment, int argc,
		 char **argv)
{
	char path[4200], *text;
	json_t *doc = stress_document(sr, environment, argc, argv);
	int ret;

	text = json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	json_decref(doc);
	if (!text)
		return gmb_error(ENOMEM, "cannot serialise the stress results");
	snprintf(path, sizeof(path), "%s/%s", dir, STRESS_JSON);
	ret = write_file_atomic(path, text, strlen(text));
	free(text);
	if (!ret && sr->kmsg.evidence_len) {
		snprintf(path, sizeof(path), "%s/kernel-log.txt", dir);
		ret = write_file_atomic(path, sr->kmsg.evidence, sr->kmsg.evidence_len);
	}
	if (!ret && !strcmp(sr->status, "failed"))
		ret = stress_write_failure(sr, dir);
	return ret;
}
