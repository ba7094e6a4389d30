#include "core/clock.h"

#include "core/log.h"
#include "core/timer.h"

static struct {
    double sum, t0;
    long calls;
    int running;
} clk[AS_CLK_N];

static const struct {
    const char *name, *what;
    int depth;
    int parent; /* counted only inside this phase (0: always; ids are offset by one) */
    int not_in; /* and not inside this one (0: no such phase; offset by one) */
} info[AS_CLK_N] = {
    [AS_CLK_INPUT] = {"input", "deck, structure, potentials", 0},
    [AS_CLK_SYMMETRY] = {"symmetry", "space group and atom maps", 0},
    [AS_CLK_PLAN] = {"setup", "G-vectors, FFT plans, projectors", 0},
    [AS_CLK_SCF] = {"scf", "self-consistency", 0},
    [AS_CLK_DIAG] = {"diagonalization", "Davidson", 1},
    [AS_CLK_HPSI] = {"h_psi", "H|psi>", 2, AS_CLK_DIAG + 1},
    /* the nonlocal projections inside H|psi> are GEMMs through the same wfblas calls */
    [AS_CLK_SUBSPACE] = {"subspace", "overlaps, reduced problem, rotations", 2, AS_CLK_DIAG + 1, AS_CLK_HPSI + 1},
    [AS_CLK_DENSITY] = {"density", "density from the bands", 1},
    [AS_CLK_POTENTIAL] = {"potential", "Hartree, local, XC", 1},
    [AS_CLK_MIX] = {"mixing", "density mixing", 1},
    [AS_CLK_EDGES] = {"band_edges", "special points off the mesh", 0},
    [AS_CLK_FORCES] = {"forces", "forces", 0},
    [AS_CLK_STRESS] = {"stress", "stress", 0},
    [AS_CLK_OUTPUT] = {"output", "result.json, density, logs", 0},
};

void as_clock_start(as_clock_id id)
{
    if (id < 0 || id >= AS_CLK_N || clk[id].running || (info[id].parent && !clk[info[id].parent - 1].running) ||
        (info[id].not_in && clk[info[id].not_in - 1].running))
        return;
    clk[id].t0 = as_wtime();
    clk[id].running = 1;
}

void as_clock_stop(as_clock_id id)
{
    if (id < 0 || id >= AS_CLK_N || !clk[id].running)
        return;
    clk[id].sum += as_wtime() - clk[id].t0;
    clk[id].calls++;
    clk[id].running = 0;
}

void as_clock_reset(void)
{
    for (int i = 0; i < AS_CLK_N; i++)
        clk[i].sum = 0.0, clk[i].calls = 0, clk[i].running = 0;
}

double as_clock_seconds(as_clock_id id) { return id >= 0 && id < AS_CLK_N ? clk[id].sum : 0.0; }
long as_clock_calls(as_clock_id id) { return id >= 0 && id < AS_CLK_N ? clk[id].calls : 0; }
const char *as_clock_name(as_clock_id id) { return id >= 0 && id < AS_CLK_N ? info[id].name : "?"; }

void as_clock_report(double total)
{
    as_log("\n     clocks (wall seconds on rank 0)              seconds    share    calls\n");
    double covered = 0.0;
    for (int i = 0; i < AS_CLK_N; i++) {
        if (info[i].depth == 0)
            covered += clk[i].sum;
        if (clk[i].calls == 0)
            continue;
        char label[64];
        int n = 0;
        for (int d = 0; d < info[i].depth && n < 8; d++)
            label[n++] = ' ', label[n++] = ' ';
        label[n] = '\0';
        as_log("     %s%-*s %10.2f %7.1f%% %8ld\n", label, 40 - n, info[i].what, clk[i].sum,
               total > 0 ? 100.0 * clk[i].sum / total : 0.0, clk[i].calls);
    }
    as_log("     %-40s %10.2f %7.1f%%\n", "other", total - covered, total > 0 ? 100.0 * (total - covered) / total : 0.0);
    as_log("     %-40s %10.2f\n", "total", total);
}
