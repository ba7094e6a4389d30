/* The scan journal, DIR/scan.journal: an append-only log of every state change of a scan's
 * configurations, so a scan killed at any moment (SIGKILL, even in the middle of a write) can be
 * restarted from what it had recorded.  One text line per event:
 *
 *   SEQ<TAB>TIME<TAB>EVENT<TAB>NAME<TAB>DETAIL<TAB>#CHECKSUM\n
 *
 *   SEQ       1-based sequence number, strictly increasing (the writer numbers them 1, 2, 3, ...)
 *   TIME      UTC, ISO 8601: 2026-12-03T12:00:00Z
 *   EVENT     a word [a-z_]+ ("settings", "planned", "started", "done", "failed", "stopped", ...)
 *   NAME      a configuration name without blanks, or "-"
 *   DETAIL    free text without tab, newline or CR (the writer turns them into spaces); may be empty
 *   CHECKSUM  16 lower-case hex digits: as_checksum() (core/checksum.h) of the bytes before "\t#"
 *
 * Why a line log and not an atomically rewritten file: several rank groups (separate processes)
 * record events in the same scan, and appending one line under an fcntl lock is cheap and needs
 * no read-modify-rename.  Why a checksum per line: a write cut short by a kill leaves a torn last
 * line, which must be told apart from a record; a torn last line is ignored by the reader and cut
 * off by the next writer, while a damaged line anywhere else means the file itself was damaged
 * and is reported, never skipped. */
#ifndef AS_SCAN_JOURNAL_H
#define AS_SCAN_JOURNAL_H

#include "core/error.h"

#define AS_JOURNAL_FILE "scan.journal"

typedef struct as_journal_entry {
    long seq;
    char time[32];
    char event[32];
    char name[128];
    char *detail; /* malloc'd, "" if empty */
    int line;     /* 1-based line number in the file */
} as_journal_entry;

typedef struct as_journal_log {
    int n;
    as_journal_entry *e;
    int torn; /* 1 if a torn last line (no newline, or a bad checksum on the LAST line only) was ignored */
} as_journal_log;

/* Read and verify the whole journal (under a shared fcntl lock, so a concurrent append is seen
 * whole or not at all).  A missing file gives an empty log (n = 0), not an error.  A torn last
 * line is ignored (torn = 1).  A bad checksum or a NUL byte on any line but the last, or a line
 * with a good checksum but wrong fields (count, SEQ not increasing, bad TIME/EVENT/NAME), is
 * corruption: AS_EIO with "PATH:LINE: ..." saying what to do.  *out: free with
 * as_journal_log_destroy. */
int as_journal_read(const char *path, as_journal_log **out, as_error *err);
void as_journal_log_destroy(as_journal_log *log);

/* The last entry for name whose event is one of events (NULL-terminated list; NULL = any event),
 * or NULL if there is none. */
const as_journal_entry *as_journal_last(const as_journal_log *log, const char *name, const char *const *events);

/* Append one event.  event: [a-z_]+ (at most 31 characters); name: no blanks, at most 127
 * characters, NULL means "-"; detail: any text (NULL = ""), tabs/newlines/CR become spaces.
 * Under an exclusive fcntl lock it cuts off a torn last line, numbers the event after the last
 * valid one, writes the line with one write() and fsyncs.  A damaged journal is not appended to
 * (AS_EIO, as for as_journal_read); bad arguments give AS_EINPUT, file errors AS_EIO. */
int as_journal_append(const char *path, const char *event, const char *name, const char *detail, as_error *err);

#endif
