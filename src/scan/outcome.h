/* A finished configuration's directory read back into a record and its final structure: what the
 * scan ranks after a run or a restart, and what `report` re-ranks, comes from the files alone
 * (DIR/result.json: energy, gap, defect levels and the "relax" block with the final structure). */
#ifndef AS_SCAN_OUTCOME_H
#define AS_SCAN_OUTCOME_H

#include "core/error.h"
#include "crystal/structure.h"
#include "scan/record.h"

/* Fills the computed fields of rec (energy, gap, levels, smeared, ionic steps, SCF iterations,
 * wall) and *final (the relaxed structure; may be NULL).  AS_EIO/AS_EINPUT naming the file when it
 * is missing or damaged. */
int as_scan_outcome_read(const char *dir, as_scan_record *rec, as_structure **final, as_error *err);

#endif
