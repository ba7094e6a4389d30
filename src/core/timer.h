/* Wall-clock time. */
#ifndef AS_CORE_TIMER_H
#define AS_CORE_TIMER_H

/* Seconds since an arbitrary fixed point (monotonic clock). */
double as_wtime(void);

#endif
