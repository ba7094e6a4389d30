/* A checkpoint file: a payload framed by a magic word, its length and a checksum, written
 * atomically (core/file.h), so a reader sees either the previous complete checkpoint or the
 * new one, and refuses a truncated or corrupted file with a message saying what to do.
 *   bytes 0-7   magic (8 characters, e.g. "ASRELAX1")
 *   bytes 8-15  uint64 payload length
 *   payload
 *   uint64      FNV-1a checksum (core/checksum.h) of everything before it
 * A file the program wrote that is damaged (wrong magic, wrong length, bad checksum: truncated or
 * changed at any byte) is a file fault, AS_EIO (exit 4), with a message naming the file and what to
 * do; a sound checkpoint that does not fit the deck (another structure or [dft]) is the user's
 * input, AS_EINPUT (exit 2), from the loaders. */
#ifndef AS_RELAX_CHECKPOINT_H
#define AS_RELAX_CHECKPOINT_H

#include <stddef.h>

#include "core/error.h"

int as_checkpoint_write(const char *path, const char magic[8], const void *payload, size_t len, as_error *err);
/* *payload: malloc'd copy of the payload (free it). */
int as_checkpoint_read(const char *path, const char magic[8], void **payload, size_t *len, as_error *err);

#endif
