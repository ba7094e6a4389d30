/* FFTW wisdom kept between runs: the FFT plans timed by FFTW_MEASURE (about 1.5 s for a 20-atom cell on one
 * rank, 5-10 % of its SCF) are remembered in a file, so the next run on the same grid and rank count plans at no
 * cost.  The file is a cache: a missing, unreadable, foreign or damaged one is ignored, a failed write is
 * ignored, and results never depend on it beyond the last digits that any FFTW_MEASURE plan choice moves.
 * Where: $ANIONSCAN_FFTW_WISDOM (a path, or "none" to switch it off), else
 * ${XDG_CACHE_HOME:-$HOME/.cache}/anionscan/fftw.wisdom.  With ANIONSCAN_FFTW_PLANNER=estimate (bit-reproducible
 * plans) no wisdom is read or written. */
#ifndef AS_PW_FFT_WISDOM_H
#define AS_PW_FFT_WISDOM_H

#include <mpi.h>

/* Collective over comm: rank 0 reads the file, every rank imports it. */
void as_fft_wisdom_load(MPI_Comm comm);

/* Collective over comm: every rank's wisdom merged on rank 0, written atomically when it holds plans the file
 * did not. */
void as_fft_wisdom_save(MPI_Comm comm);

#endif
