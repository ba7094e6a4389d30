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
/* The same for any run's result.json: a relaxation's, or an scf's (no "relax" block: its "structure",
 * 0 ionic steps).  rec->cls is AS_CLASS_OK when the SCF (and the relaxation) converged, else FAILED. */
int as_scan_outcome_read_run(const char *dir, as_scan_record *rec, as_structure **final, as_error *err);

#endif
