/* tools/lib/import_chrome.c: pscope-import's reader of Chrome Trace Event JSON
 * (imp_read_chrome in import.h), as written by Chrome, Perfetto, VizTracer, uftrace dump
 * --chrome and pscope-export.
 *
 * Streaming: a small tokenizer reads the file through a 64 KiB buffer and walks the
 * document's top level — either {"traceEvents": [...], other members skipped} or the bare
 * array form [...] whose closing ']' may be missing (the format allows it). Each element of
 * the event array is captured as raw text (strings and nesting tracked) and parsed alone
 * with cJSON, so memory holds one event object at a time plus 32 bytes per duration
 * interval until the end, never the document.
 *
 * Events: "B"/"E" pairs are matched per thread in file order (the format requires them to
 * be ordered per thread); an "E" with nothing open is counted unmatched, a "B" never
 * ended is closed at its thread's last timestamp and counted unclosed. "X" events may come
 * in any order. At the end each thread's intervals are sorted by (start, longest first,
 * file order) and nested by time into enter/exit calls of the run builder; an interval
 * that starts inside another but ends after it is cut at its parent's end (counted as
 * unmatched). "M" thread_name/process_name name the threads and the run; every other
 * phase is counted as skipped. Timestamps are microseconds (fractions kept to the ns).
 * Threads are keyed by tid (pid is not part of the key: one run per input).
 */
#include "import.h"
#include "import_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ptool.h"

#define JS_MAX_EVENT (64u << 20) /* largest single event object accepted, bytes */
#define JS_MAX_NEST 512          /* deepest nesting inside an event */

typedef struct jstream {
    FILE *f;
    const char *path;
    unsigned char buf[65536];
    size_t pos, len;
    uint64_t off; /* file offset of buf[0] */
    char *cap;    /* captured value text */
    size_t caplen, capcap;
} jstream;

static int js_peek(jstream *j)
{
    if (j->pos == j->len) {
        j->off += j->len;
        j->len = fread(j->buf, 1, sizeof j->buf, j->f);
        j->pos = 0;
        if (j->len == 0)
            return -1;
    }
    return j->buf[j->pos];
}

static uint64_t js_offset(const jstream *j)
{
    return j->off + j->pos;
}

static int js_ws(jstream *j)
{
    int c;
    while ((c = js_peek(j)) == ' ' || c == '\n' || c == '\r' || c == '\t')
        j->pos++;
    return c;
}

static void cap_add(jstream *j, int c)
{
    if (j->caplen + 2 > j->capcap) {
        j->capcap = j->capcap ? j->capcap * 2 : 4096;
        j->cap = pt_xrealloc(j->cap, j->capcap);
    }
    j->cap[j->caplen++] = (char)c;
}

static int js_fail(jstream *j, const char *problem)
{
    pt_error("%s: offset %llu: %s", j->path, (unsigned long long)js_offset(j), problem);
    return PT_EXIT_DATA;
}

/* The next byte inside a string, consumed (and captured when keep); -1 after a message
 * at the end of the file. */
static int js_string_byte(jstream *j, int keep)
{
    int c = js_peek(j);
    if (c < 0) {
        js_fail(j, "unexpected end of file inside a string");
        return -1;
    }
    j->pos++;
    if (keep)
        cap_add(j, c);
    return c;
}

/* Capture (keep != 0) or skip one JSON value starting at the current byte into j->cap.
 * Checks string termination, bracket balance and size, not full JSON grammar (cJSON
 * checks a kept value). */
static int js_value(jstream *j, int keep)
{
    char stack[JS_MAX_NEST];
    int depth = 0;
    j->caplen = 0;
    for (;;) {
        int c = js_peek(j);
        if (c < 0)
            return js_fail(j, "unexpected end of file inside a value");
        if (c == '"') {
            if (keep)
                cap_add(j, c);
            j->pos++;
            for (;;) {
                if ((c = js_string_byte(j, keep)) < 0)
                    return PT_EXIT_DATA;
                if (c == '\\') {
                    if (js_string_byte(j, keep) < 0)
                        return PT_EXIT_DATA;
                } else if (c == '"') {
                    break;
                }
            }
        } else if (c == '{' || c == '[') {
            if (depth == JS_MAX_NEST)
                return js_fail(j, "nesting too deep");
            stack[depth++] = c == '{' ? '}' : ']';
            if (keep)
                cap_add(j, c);
            j->pos++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                if (j->caplen == 0)
                    return js_fail(j, "expected a value");
                break; /* ends the scalar before it; the container's own bracket */
            }
            if (stack[depth - 1] != c)
                return js_fail(j, "mismatched bracket");
            depth--;
            if (keep)
                cap_add(j, c);
            j->pos++;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            if (j->caplen == 0)
                return js_fail(j, "expected a value");
            break;
        } else {
            if (keep)
                cap_add(j, c);
            else
                j->caplen = 1; /* something was read */
            j->pos++;
        }
        if (j->caplen > JS_MAX_EVENT)
            return js_fail(j, "event larger than 64 MiB");
        if (depth == 0 && (c == '"' || c == '}' || c == ']'))
            break;
    }
    if (keep)
        j->cap[j->caplen] = '\0';
    return 0;
}

/* One duration interval of a thread, nested at the end. */
typedef struct interval {
    int64_t ts, dur;
    uint64_t seq;
    uint32_t func;
} interval;

typedef struct chrome_thread {
    interval *iv;
    size_t n, cap;
    interval *open; /* B events waiting for their E */
    size_t nopen, capopen;
} chrome_thread;

typedef struct chrome_state {
    imp_builder *b;
    chrome_thread *th; /* indexed like the builder's threads */
    uint32_t nth;
    uint64_t events, skipped, seq;
} chrome_state;

static chrome_thread *state_thread(chrome_state *s, uint32_t idx)
{
    if (idx >= s->nth) {
        s->th = pt_xrealloc(s->th, (idx + 1) * sizeof *s->th);
        memset(s->th + s->nth, 0, (idx + 1 - s->nth) * sizeof *s->th);
        s->nth = idx + 1;
    }
    return &s->th[idx];
}

static void iv_push(interval **v, size_t *n, size_t *cap, interval x)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *v = pt_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = x;
}

/* Microseconds (a JSON number) to integer ns; -1 on a non-number or beyond
 * IMP_MAX_TIME_NS. */
static int us_to_ns(const cJSON *item, int64_t *out)
{
    if (!cJSON_IsNumber(item))
        return -1;
    double ns = item->valuedouble * 1000.0;
    if (!isfinite(ns) || fabs(ns) > (double)IMP_MAX_TIME_NS)
        return -1;
    *out = (int64_t)llround(ns);
    return 0;
}

static int64_t json_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && fabs(v->valuedouble) < 9.0e18)
        return (int64_t)v->valuedouble;
    return 0;
}

static int handle_event(chrome_state *s, jstream *j, uint64_t start_off)
{
    uint64_t n = ++s->events;
    cJSON *ev = cJSON_ParseWithLength(j->cap, j->caplen);
    if (!ev || !cJSON_IsObject(ev)) {
        cJSON_Delete(ev);
        pt_error("%s: offset %llu: event %llu is not a JSON object", j->path,
                 (unsigned long long)start_off, (unsigned long long)n);
        return PT_EXIT_DATA;
    }
    const char *ph = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "ph"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "name"));
    int64_t tid = json_int(ev, "tid");
    int rc = 0;
    if (ph && (strcmp(ph, "B") == 0 || strcmp(ph, "E") == 0 || strcmp(ph, "X") == 0)) {
        int64_t ts = 0, dur = 0;
        if (us_to_ns(cJSON_GetObjectItemCaseSensitive(ev, "ts"), &ts) != 0) {
            pt_error("%s: offset %llu: event %llu (ph %s) has no numeric ts within ±2e15 µs", j->path,
                     (unsigned long long)start_off, (unsigned long long)n, ph);
            rc = PT_EXIT_DATA;
            goto done;
        }
        uint32_t th = imp_thread(s->b, tid, NULL);
        chrome_thread *ct = state_thread(s, th);
        if (ph[0] == 'E') {
            if (ct->nopen == 0) {
                s->b->unmatched++;
            } else {
                interval x = ct->open[--ct->nopen];
                x.dur = ts > x.ts ? ts - x.ts : 0;
                iv_push(&ct->iv, &ct->n, &ct->cap, x);
            }
        } else {
            interval x = {ts, 0, s->seq++, imp_function(s->b, name ? name : "(unnamed)", NULL, NULL, 0, 0, 0)};
            if (ph[0] == 'B') {
                iv_push(&ct->open, &ct->nopen, &ct->capopen, x);
            } else {
                if (us_to_ns(cJSON_GetObjectItemCaseSensitive(ev, "dur"), &dur) != 0 || dur < 0)
                    dur = 0;
                x.dur = dur;
                iv_push(&ct->iv, &ct->n, &ct->cap, x);
            }
        }
    } else if (ph && strcmp(ph, "M") == 0 && name) {
        const char *arg = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "args"), "name"));
        if (arg && strcmp(name, "thread_name") == 0)
            (void)state_thread(s, imp_thread(s->b, tid, arg));
        else if (strcmp(name, "process_name") != 0)
            s->skipped++;
    } else {
        s->skipped++;
    }
done:
    cJSON_Delete(ev);
    return rc;
}

static int iv_cmp(const void *pa, const void *pb)
{
    const interval *a = pa, *b = pb;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    if (a->dur != b->dur)
        return a->dur > b->dur ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Nest one thread's intervals by time into builder calls. */
static void replay_thread(chrome_state *s, uint32_t th)
{
    chrome_thread *ct = &s->th[th];
    /* B events never ended: closed at the thread's last timestamp. */
    int64_t last = INT64_MIN;
    for (size_t i = 0; i < ct->n; i++)
        if (ct->iv[i].ts + ct->iv[i].dur > last)
            last = ct->iv[i].ts + ct->iv[i].dur;
    for (size_t i = 0; i < ct->nopen; i++)
        if (ct->open[i].ts > last)
            last = ct->open[i].ts;
    for (size_t i = 0; i < ct->nopen; i++) {
        interval x = ct->open[i];
        x.dur = last - x.ts;
        iv_push(&ct->iv, &ct->n, &ct->cap, x);
    }
    s->b->unclosed += ct->nopen;
    ct->nopen = 0;
    if (ct->n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(ct->iv, ct->n, sizeof *ct->iv, iv_cmp);
    int64_t *ends = pt_xmalloc((ct->n + 1) * sizeof *ends);
    size_t depth = 0;
    for (size_t i = 0; i < ct->n; i++) {
        const interval *x = &ct->iv[i];
        while (depth && ends[depth - 1] <= x->ts)
            imp_exit(s->b, th, ends[--depth], IMP_ANY_FUNCTION);
        int64_t end = x->ts + x->dur;
        if (depth && end > ends[depth - 1]) {
            end = ends[depth - 1];
            s->b->unmatched++;
        }
        imp_enter(s->b, th, x->func, x->ts);
        ends[depth++] = end;
    }
    while (depth)
        imp_exit(s->b, th, ends[--depth], IMP_ANY_FUNCTION);
    free(ends);
}

/* The elements of the event array; `bare`: the document is the array, ']' optional. */
static int read_array(chrome_state *s, jstream *j, int bare)
{
    j->pos++; /* '[' */
    int c = js_ws(j);
    if (c == ']') {
        j->pos++;
        return 0;
    }
    for (;;) {
        if (c < 0)
            return bare ? 0 : js_fail(j, "unexpected end of file in traceEvents");
        uint64_t start = js_offset(j);
        if (c != '{')
            return js_fail(j, "expected an event object");
        int rc = js_value(j, 1);
        if (!rc)
            rc = handle_event(s, j, start);
        if (rc)
            return rc;
        c = js_ws(j);
        if (c == ']') {
            j->pos++;
            return 0;
        }
        if (c < 0 && bare)
            return 0;
        if (c != ',')
            return js_fail(j, "expected ',' or ']' after an event");
        j->pos++;
        c = js_ws(j);
    }
}

int imp_read_chrome(imp_builder *b, FILE *f, const char *path, uint64_t *skipped)
{
    jstream *j = pt_xcalloc(1, sizeof *j);
    j->f = f;
    j->path = path;
    chrome_state s = {b, NULL, 0, 0, 0, 0};
    int rc = 0, found = 0;
    int c = js_ws(j);
    if (c == 0xEF) { /* UTF-8 byte order mark */
        j->pos += 3;
        c = js_ws(j);
    }
    if (c == '[') {
        found = 1;
        rc = read_array(&s, j, 1);
    } else if (c == '{') {
        j->pos++;
        c = js_ws(j);
        while (!rc && c != '}') {
            if (c != '"') {
                rc = js_fail(j, c < 0 ? "unexpected end of file" : "expected a member name");
                break;
            }
            if ((rc = js_value(j, 1)))
                break;
            int is_events = strcmp(j->cap, "\"traceEvents\"") == 0;
            if (js_ws(j) != ':') {
                rc = js_fail(j, "expected ':'");
                break;
            }
            j->pos++;
            c = js_ws(j);
            if (is_events) {
                if (c != '[') {
                    rc = js_fail(j, "traceEvents is not an array");
                    break;
                }
                found = 1;
                rc = read_array(&s, j, 0);
            } else {
                rc = js_value(j, 0);
            }
            if (rc)
                break;
            c = js_ws(j);
            if (c == ',') {
                j->pos++;
                c = js_ws(j);
            } else if (c != '}') {
                rc = js_fail(j, "expected ',' or '}'");
            }
        }
        if (!rc && !found)
            rc = js_fail(j, "no traceEvents array in the object");
    } else {
        rc = js_fail(j, "not Chrome Trace Event JSON (expected '{' or '[')");
    }
    if (!rc && ferror(f))
        rc = js_fail(j, "read error");
    if (!rc)
        for (uint32_t i = 0; i < s.nth; i++)
            replay_thread(&s, i);
    for (uint32_t i = 0; i < s.nth; i++) {
        free(s.th[i].iv);
        free(s.th[i].open);
    }
    free(s.th);
    free(j->cap);
    free(j);
    if (skipped)
        *skipped = s.skipped;
    return rc;
}
