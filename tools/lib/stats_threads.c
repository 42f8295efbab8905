/* tools/lib/stats_threads.c: pscope-stats' views of what runs beside the functions — per
 * thread (busy time, functions by self time), stages (records, pass ratio, throughput,
 * latency percentiles), resources (CPU/RSS attributed to functions and stages) and the
 * list of runs. Data from rundata.h; contracts in stats_view.h. */
#include "stats_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Contract in stats_view.h. */
pt_table *stats_threads_table(const stats_opts *o, const pt_thread_fn *rows, size_t nrows,
                              int64_t *nthreads_out)
{
    pt_table *t = pt_table_new("threads");
    int c_thread = pt_table_add_col(t, "thread", "thread", PT_COL_TEXT, PT_COL_HUMAN);
    int c_tid_id = pt_table_add_col(t, "thread_id", "thread id", PT_COL_INT, PT_COL_MACHINE);
    int c_tid = pt_table_add_col(t, "tid", "tid", PT_COL_INT, PT_COL_MACHINE);
    int c_tname = pt_table_add_col(t, "thread_name", "thread name", PT_COL_TEXT, PT_COL_MACHINE);
    int c_main = pt_table_add_col(t, "is_main", "main", PT_COL_INT, PT_COL_MACHINE);
    int c_busy = pt_table_add_col(t, "busy", "busy", PT_COL_TEXT, PT_COL_HUMAN | PT_COL_RIGHT);
    int c_busy_m = pt_table_add_col(t, "busy_dur", "busy", PT_COL_DUR, PT_COL_MACHINE);
    int c_span = pt_table_add_col(t, "span_dur", "span", PT_COL_DUR, PT_COL_MACHINE);
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    int c_tshare = pt_table_add_col(t, "thread_share", "%thread", PT_COL_SHARE, PT_COL_BOTH);
    int c_rshare = pt_table_add_col(t, "run_share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    int c_fid = pt_table_add_col(t, "function_id", "function id", PT_COL_INT, PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "function", "function (file:line)", PT_COL_TEXT, PT_COL_HUMAN);
    int64_t limit = stats_row_limit(o, INT64_MAX);
    int64_t cur = INT64_MIN, in_thread = 0, nthreads = 0;
    for (size_t i = 0; i < nrows; i++) {
        const pt_thread_fn *r = &rows[i];
        int64_t tid_id = r->thread_id;
        int first = tid_id != cur;
        if (first) {
            cur = tid_id;
            in_thread = 0;
            nthreads++;
        }
        int has_fn = r->has_fn;
        const char *name = r->name, *file = r->file;
        int64_t line = r->line;
        if (has_fn && !pt_filter_match(o->filter, name, file, line))
            continue;
        if (has_fn && !isnan(o->min_share) && !(r->run_share >= o->min_share - 1e-12))
            continue;
        if (in_thread >= limit)
            continue;
        int show_thread = in_thread == 0;
        in_thread++;
        pt_table_add_row(t);
        if (show_thread) {
            const char *tn = r->thread_name;
            char *th = pt_xasprintf("%lld%s%s%s", (long long)r->tid, tn ? " " : "",
                                    tn ? tn : "", r->is_main ? " (main)" : "");
            pt_table_set_text(t, c_thread, th);
            free(th);
            char busy[PT_DUR_BUFSZ];
            pt_table_set_text(t, c_busy, pt_fmt_dur(r->busy, busy, sizeof busy));
        } else {
            pt_table_set_text(t, c_thread, "");
            pt_table_set_text(t, c_busy, "");
        }
        pt_table_set_int(t, c_tid_id, tid_id);
        pt_table_set_int(t, c_tid, r->tid);
        pt_table_set_text(t, c_tname, r->thread_name);
        pt_table_set_int(t, c_main, r->is_main);
        if (r->has_end)
            pt_table_set_real(t, c_span, (double)(r->end_ts - r->ts));
        pt_table_set_real(t, c_busy_m, r->busy);
        if (has_fn) {
            pt_table_set_int(t, c_calls, r->calls);
            pt_table_set_real(t, c_total, r->total);
            pt_table_set_real(t, c_self, r->self);
            pt_table_set_real(t, c_tshare, r->thread_share);
            pt_table_set_real(t, c_rshare, r->run_share);
            pt_table_set_int(t, c_fid, r->function_id);
            pt_table_set_text(t, c_name, name);
            pt_table_set_text(t, c_file, file);
            if (file)
                pt_table_set_int(t, c_line, line);
            char *label = pt_func_label(name, file, line);
            pt_table_set_text(t, c_label, label);
            free(label);
        } else {
            pt_table_set_text(t, c_label, "(no completed call)");
        }
    }
    *nthreads_out = nthreads;
    return t;
}

/* Contract in stats_view.h. */
int stats_view_threads(stats_ctx *c)
{
    stats_opts *o = c->opt;
    pt_thread_fn *rows;
    size_t nrows;
    stats_check(pt_threads_load(c->db, c->run.id, &rows, &nrows));
    int64_t nthreads;
    pt_table *t = stats_threads_table(o, rows, nrows, &nthreads);
    pt_threads_free(rows, nrows);
    if (nthreads == 0) {
        pt_table_free(t);
        pt_die(PT_EXIT_DATA, "%s: run %lld has no threads recorded", c->db_path,
               (long long)c->run.id);
    }
    stats_run_header(c);
    pt_out_header(c->out, "%lld thread%s · per thread, functions by self time", (long long)nthreads,
                  nthreads == 1 ? "" : "s");
    stats_emit(c, t);
    return 0;
}

/* ---- stages / resources ------------------------------------------------------------------ */

static void counts(stats_ctx *c, int64_t *stages, int64_t *samples)
{
    pt_counts n;
    stats_check(pt_counts_load(c->db, c->run.id, &n));
    *stages = n.stages;
    *samples = n.resource_samples;
}

/* Contract in stats_view.h. */
pt_table *stats_stages_table(const stats_opts *o, const pt_stage_row *rows, size_t nrows)
{
    pt_table *t = pt_table_new("stages");
    int c_name = pt_table_add_col(t, "name", "stage", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int c_spans = pt_table_add_col(t, "spans", "spans", PT_COL_INT, PT_COL_BOTH);
    int c_open = pt_table_add_col(t, "open_spans", "open", PT_COL_INT, PT_COL_MACHINE);
    int c_total = pt_table_add_col(t, "total_dur", "time", PT_COL_DUR, PT_COL_BOTH);
    int c_in = pt_table_add_col(t, "records_in", "in", PT_COL_INT, PT_COL_BOTH);
    int c_out = pt_table_add_col(t, "records_out", "out", PT_COL_INT, PT_COL_BOTH);
    int c_pass = pt_table_add_col(t, "pass_ratio", "pass", PT_COL_SHARE, PT_COL_BOTH);
    int c_thr = pt_table_add_col(t, "throughput", "in/s", PT_COL_REAL, PT_COL_BOTH);
    pt_table_set_decimals(t, c_thr, 0);
    int c_marks = pt_table_add_col(t, "record_marks", "marks", PT_COL_INT, PT_COL_MACHINE);
    int c_cpu = pt_table_add_col(t, "cpu_ns", "cpu", PT_COL_DUR, PT_COL_BOTH);
    int c_util = pt_table_add_col(t, "cpu_util", "cpu%", PT_COL_SHARE, PT_COL_BOTH);
    int c_rss = pt_table_add_col(t, "rss_growth", "rss+", PT_COL_BYTES, PT_COL_BOTH);
    int c_minf = pt_table_add_col(t, "minflt", "minflt", PT_COL_INT, PT_COL_MACHINE);
    int c_majf = pt_table_add_col(t, "majflt", "majflt", PT_COL_INT, PT_COL_MACHINE);
    int c_lat = pt_table_add_col(t, "latency_samples", "records timed", PT_COL_INT, PT_COL_MACHINE);
    int c_p50 = pt_table_add_col(t, "p50", "p50", PT_COL_DUR, PT_COL_BOTH);
    int c_p95 = pt_table_add_col(t, "p95", "p95", PT_COL_DUR, PT_COL_BOTH);
    int c_p99 = pt_table_add_col(t, "p99", "p99", PT_COL_DUR, PT_COL_BOTH);
    int64_t limit = stats_row_limit(o, INT64_MAX), shown = 0;
    for (size_t i = 0; i < nrows && shown < limit; i++) {
        const pt_stage_row *r = &rows[i];
        const char *name = r->name;
        if (!pt_filter_match(o->filter, name, NULL, 0))
            continue;
        shown++;
        pt_table_add_row(t);
        pt_table_set_text(t, c_name, name);
        pt_table_set_int(t, c_spans, r->spans);
        pt_table_set_int(t, c_open, r->open_spans);
        pt_table_set_real(t, c_total, r->total);
        pt_table_set_real(t, c_in, r->records_in);
        pt_table_set_real(t, c_out, r->records_out);
        pt_table_set_real(t, c_pass, r->pass_ratio);
        pt_table_set_real(t, c_thr, r->throughput);
        pt_table_set_int(t, c_marks, r->record_marks);
        pt_table_set_real(t, c_cpu, r->cpu_ns);
        pt_table_set_real(t, c_util, r->cpu_util);
        pt_table_set_real(t, c_rss, r->rss_growth);
        pt_table_set_real(t, c_minf, r->minflt);
        pt_table_set_real(t, c_majf, r->majflt);
        pt_table_set_real(t, c_lat, r->latency_samples);
        pt_table_set_real(t, c_p50, r->p50);
        pt_table_set_real(t, c_p95, r->p95);
        pt_table_set_real(t, c_p99, r->p99);
        if (r->open_spans > 0)
            pt_table_set_mark(t, PT_MARK_BAD, "stage never ended");
    }
    return t;
}

/* Contract in stats_view.h. */
int stats_view_stages(stats_ctx *c)
{
    stats_opts *o = c->opt;
    int64_t nst, nsamp;
    counts(c, &nst, &nsamp);
    stats_run_header(c);
    if (nst == 0) {
        pt_table *t = stats_stages_table(o, NULL, 0);
        pt_out_meta(c->out, "stages_recorded", cJSON_CreateBool(0));
        if (o->format == PT_FMT_TABLE || o->format == PT_FMT_MD)
            pt_table_free(t); /* nothing to align: the note says it plainly */
        else
            stats_emit(c, t);       /* machine readers get an empty table with its columns */
        pt_out_note(c->out, "run %lld recorded no stages: the program never called "
                    "pscope_stage_begin() or PSCOPE_STAGE()", (long long)c->run.id);
        return 0;
    }
    pt_out_header(c->out, "%lld stage spans · latency percentiles per record from histograms "
                  "(≤1%%)", (long long)nst);
    pt_stage_row *rows;
    size_t nrows;
    stats_check(pt_stages_load(c->db, c->run.id, &rows, &nrows));
    pt_table *t = stats_stages_table(o, rows, nrows);
    pt_stages_free(rows, nrows);
    pt_out_meta(c->out, "stages_recorded", cJSON_CreateBool(1));
    stats_emit(c, t);
    return 0;
}

/* Contract in stats_view.h. */
int stats_view_resources(stats_ctx *c)
{
    stats_opts *o = c->opt;
    int64_t nst, nsamp;
    counts(c, &nst, &nsamp);
    stats_run_header(c);
    pt_table *t = pt_table_new("resources");
    int c_kind = pt_table_add_col(t, "kind", "kind", PT_COL_TEXT, PT_COL_BOTH);
    int c_samples = pt_table_add_col(t, "samples", "samples", PT_COL_INT, PT_COL_BOTH);
    int c_cpu = pt_table_add_col(t, "cpu_ns", "cpu", PT_COL_DUR, PT_COL_BOTH);
    int c_share = pt_table_add_col(t, "cpu_share", "%cpu", PT_COL_SHARE, PT_COL_BOTH);
    int c_user = pt_table_add_col(t, "cpu_user_ns", "user", PT_COL_DUR, PT_COL_BOTH);
    int c_sys = pt_table_add_col(t, "cpu_sys_ns", "sys", PT_COL_DUR, PT_COL_BOTH);
    int c_rss = pt_table_add_col(t, "rss_max", "rss max", PT_COL_BYTES, PT_COL_BOTH);
    int c_grow = pt_table_add_col(t, "rss_growth", "rss+", PT_COL_BYTES, PT_COL_BOTH);
    int c_minf = pt_table_add_col(t, "minflt", "minflt", PT_COL_INT, PT_COL_BOTH);
    int c_majf = pt_table_add_col(t, "majflt", "majflt", PT_COL_INT, PT_COL_BOTH);
    int c_gpu = pt_table_add_col(t, "gpu_util", "gpu%", PT_COL_REAL, PT_COL_BOTH);
    pt_table_set_decimals(t, c_gpu, 1);
    int c_gmem = pt_table_add_col(t, "gpu_mem_max", "gpu mem", PT_COL_BYTES, PT_COL_BOTH);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "what", "function / stage", PT_COL_TEXT, PT_COL_HUMAN);
    if (nsamp == 0) {
        pt_out_meta(c->out, "resources_recorded", cJSON_CreateBool(0));
        if (o->format == PT_FMT_TABLE || o->format == PT_FMT_MD)
            pt_table_free(t);
        else
            stats_emit(c, t);
        pt_out_note(c->out, "run %lld has no resource samples: the sampler was off or the run "
                    "was shorter than one sampling interval", (long long)c->run.id);
        return 0;
    }
    pt_out_header(c->out, "%lld resource samples · CPU and memory attributed to the function "
                  "on top of the sampled thread's stack and its innermost stage",
                  (long long)nsamp);
    pt_resource_row *rows;
    size_t nrows;
    stats_check(pt_resources_load(c->db, c->run.id, &rows, &nrows));
    int64_t limit = stats_row_limit(o, INT64_MAX), shown = 0;
    for (size_t i = 0; i < nrows; i++) {
        const pt_resource_row *r = &rows[i];
        const char *kind = r->kind, *name = r->name, *file = r->file;
        int64_t line = r->line;
        int process = kind && strcmp(kind, "process") == 0;
        if (!process && !pt_filter_match(o->filter, name, file, line))
            continue;
        if (!process && !isnan(o->min_share) && !(r->cpu_share >= o->min_share - 1e-12))
            continue;
        if (!process && shown >= limit)
            continue;
        if (!process)
            shown++;
        pt_table_add_row(t);
        pt_table_set_text(t, c_kind, kind);
        pt_table_set_int(t, c_samples, r->samples);
        pt_table_set_real(t, c_user, r->cpu_user);
        pt_table_set_real(t, c_sys, r->cpu_sys);
        pt_table_set_real(t, c_cpu, r->cpu);
        pt_table_set_real(t, c_share, process ? NAN : r->cpu_share);
        pt_table_set_real(t, c_rss, r->rss_max);
        pt_table_set_real(t, c_grow, r->rss_growth);
        pt_table_set_real(t, c_minf, r->minflt);
        pt_table_set_real(t, c_majf, r->majflt);
        pt_table_set_real(t, c_gpu, r->gpu_util);
        pt_table_set_real(t, c_gmem, r->gpu_mem_max);
        pt_table_set_text(t, c_name, name);
        pt_table_set_text(t, c_file, file);
        if (file)
            pt_table_set_int(t, c_line, line);
        char *label = process ? pt_xstrdup("(whole process)")
                              : pt_func_label(name ? name : "", file, line);
        pt_table_set_text(t, c_label, label);
        free(label);
    }
    pt_resources_free(rows, nrows);
    pt_out_meta(c->out, "resources_recorded", cJSON_CreateBool(1));
    stats_emit(c, t);
    return 0;
}

/* ---- list runs --------------------------------------------------------------------------- */

/* Contract in stats_view.h. */
int stats_view_runs(stats_ctx *c)
{
    pt_run *runs = NULL;
    size_t n = 0;
    int rc = pt_runs_list(c->db, &runs, &n);
    if (rc)
        pt_die(rc, NULL);
    pt_out_header(c->out, "%s · %zu run%s", c->db_path, n, n == 1 ? "" : "s");
    pt_out_meta(c->out, "database", cJSON_CreateString(c->db_path));
    pt_table *t = pt_table_new("runs");
    int c_id = pt_table_add_col(t, "id", "id", PT_COL_INT, PT_COL_BOTH | PT_COL_KEY);
    int c_label = pt_table_add_col(t, "label", "label", PT_COL_TEXT, PT_COL_BOTH);
    int c_started = pt_table_add_col(t, "started", "started (UTC)", PT_COL_TEXT, PT_COL_BOTH);
    int c_sw = pt_table_add_col(t, "started_wall", "started ns", PT_COL_INT, PT_COL_MACHINE);
    int c_wall = pt_table_add_col(t, "wall_ns", "wall", PT_COL_DUR, PT_COL_BOTH);
    int c_seen = pt_table_add_col(t, "calls_seen", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_stored = pt_table_add_col(t, "calls_stored", "stored", PT_COL_INT, PT_COL_BOTH);
    int c_complete = pt_table_add_col(t, "complete", "complete", PT_COL_INT, PT_COL_MACHINE);
    int c_state = pt_table_add_col(t, "state", "state", PT_COL_TEXT, PT_COL_HUMAN);
    int c_scale = pt_table_add_col(t, "scale", "scale", PT_COL_REAL, PT_COL_BOTH);
    pt_table_set_decimals(t, c_scale, 0);
    int c_pid = pt_table_add_col(t, "pid", "pid", PT_COL_INT, PT_COL_MACHINE);
    int c_parent = pt_table_add_col(t, "parent_run_id", "parent run", PT_COL_INT, PT_COL_MACHINE);
    int c_host = pt_table_add_col(t, "host", "host", PT_COL_TEXT, PT_COL_MACHINE);
    int c_cmd = pt_table_add_col(t, "command", "command", PT_COL_TEXT, PT_COL_BOTH);
    for (size_t i = 0; i < n; i++) {
        const pt_run *r = &runs[i];
        pt_table_add_row(t);
        pt_table_set_int(t, c_id, r->id);
        pt_table_set_text(t, c_label, r->label);
        char when[64] = "";
        time_t secs = (time_t)(r->started_wall / 1000000000);
        struct tm tm;
        if (gmtime_r(&secs, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        pt_table_set_text(t, c_started, when);
        pt_table_set_int(t, c_sw, r->started_wall);
        pt_table_set_real(t, c_wall, (double)r->dur);
        pt_table_set_int(t, c_seen, r->calls_seen);
        pt_table_set_int(t, c_stored, r->calls_stored);
        pt_table_set_int(t, c_complete, r->complete);
        pt_table_set_text(t, c_state, r->complete ? "complete" : "INCOMPLETE");
        pt_table_set_real(t, c_scale, r->scale);
        pt_table_set_int(t, c_pid, r->pid);
        if (r->parent_run_id)
            pt_table_set_int(t, c_parent, r->parent_run_id);
        pt_table_set_text(t, c_host, r->host);
        pt_table_set_text(t, c_cmd, r->command);
        if (!r->complete)
            pt_table_set_mark(t, PT_MARK_BAD, "incomplete run");
    }
    pt_runs_free(runs, n);
    stats_emit(c, t);
    if (n == 0)
        pt_out_note(c->out, "no runs recorded yet");
    return 0;
}
