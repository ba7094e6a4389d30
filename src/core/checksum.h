/* 64-bit FNV-1a checksum for checkpoint files (detects truncation and corruption,
 * not tampering). */
#ifndef AS_CORE_CHECKSUM_H
#define AS_CORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t as_checksum(const void *data, size_t len);

#endif
