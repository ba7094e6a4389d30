/* What `check` validates beyond the deck (docs/input.md, "What check validates"), on the same code
 * paths the calculations use: the model (potentials of every element, electron count, symmetry), the
 * k-point mesh, the band count against the basis, and the memory estimate against the machine. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/units.h"
#include "crystal/structure.h"
#include "parallel/layout.h"
#include "pw/gvec.h"
#include "pw/memory.h"
#include "pw/nonlocal.h"
#include "pw/pseudo.h"
#include "pw/scf.h"

/* The deck line an error of the calculation's set-up names: [dft]'s (its xc), else the structure's. */
static int dft_line(const as_settings *set)
{
    return set->dft.line ? set->dft.line : set->structure.line;
}

/* Before the model (whose Ewald sum alone takes minutes on thousands of atoms): a lower bound of the memory
 * from the cell alone, one band per two atoms and the k mesh unreduced by symmetry bounded below by 1/48. */
static int check_size_early(const as_settings *set, const char *deck_path, const as_structure *s, MPI_Comm comm,
                            as_error *err)
{
    const double omega = fabs(as_lattice_volume(s->lattice));
    const double npw = omega * pow(2.0 * set->dft.ecut, 1.5) / (6.0 * AS_PI * AS_PI);
    const double nk = set->dft.gamma_only ? 1.0 : fmax(1.0, set->dft.kmesh[0] * set->dft.kmesh[1] * set->dft.kmesh[2] / 96.0);
    int nranks = 1;
    MPI_Comm_size(comm, &nranks);
    const double low = nk * npw * fmax(1.0, 0.5 * s->natoms) * 16.0; /* spread over every rank at best */
    const double avail = as_layout_memory_per_rank(comm);
    if (low / nranks > avail) {
        const double gb = 1.0 / (1024.0 * 1024.0 * 1024.0);
        return as_error_set(err, AS_ENOMEM,
                            "%s:%d: this calculation needs at least %.1f GB (%d atoms, about %.0f plane waves within "
                            "ecut = %g Ha), %.1f GB per rank on %d rank%s, but %.1f GB per rank are available; lower "
                            "ecut, the k mesh or the supercell, or run on more nodes",
                            deck_path, set->structure.line, low * gb, s->natoms, npw, set->dft.ecut,
                            low / nranks * gb, nranks, nranks > 1 ? "s" : "", avail * gb);
    }
    return AS_OK;
}

int as_cli_model_kpoints(const as_settings *set, const char *deck_path, const as_structure *s, MPI_Comm comm,
                         as_model **m, as_kpoints **kp, as_error *err)
{
    *kp = NULL;
    *m = NULL;
    if (check_size_early(set, deck_path, s, comm, err))
        return err->code;
    if (!(*m = as_model_create(s, &set->dft, set->dft.use_symmetry, err))) {
        /* a missing potential file points at the potentials line when there is one */
        int line = (strstr(err->msg, "potential for") || strstr(err->msg, ".gth")) && set->dft.potentials_line
                       ? set->dft.potentials_line
                       : dft_line(set);
        return as_cli_deck_context(err, deck_path, line);
    }
    if (set->dft.gamma_only) {
        const double g[1][3] = {{0, 0, 0}};
        *kp = as_kpoints_list(1, g, err);
    } else {
        *kp = as_kpoints_mesh((*m)->s, set->dft.kmesh, set->dft.kshift, (*m)->sym != NULL,
                              (*m)->sym ? (*m)->sym->symprec : 0.0, err);
    }
    if (!*kp) {
        as_model_destroy(*m);
        *m = NULL;
        return as_cli_deck_context(err, deck_path, dft_line(set));
    }
    return AS_OK;
}

int as_cli_check_calc(const as_settings *set, const char *deck_path, const as_structure *s, MPI_Comm comm,
                      as_error *err)
{
    as_model *m = NULL;
    as_kpoints *kp = NULL;
    int rc = as_cli_model_kpoints(set, deck_path, s, comm, &m, &kp, err);
    if (rc == AS_OK)
        rc = as_cli_check_size(set, deck_path, m, kp, comm, NULL, err);
    as_kpoints_destroy(kp);
    as_model_destroy(m);
    return rc;
}

/* The solver's memory per rank (pw/memory.h) before anything is allocated: the basis from the sphere's
 * volume (half the sphere with real wavefunctions at Gamma), the projectors whole or compact as
 * pw/nonlocal.c keeps them, the grids; nk k-points shared by nranks ranks, the subspace matrices on each. */
double as_cli_memory(const as_settings *set, const as_model *m, int nb, int nk, int nranks, as_memory *mem)
{
    const double npw = m->omega * pow(2.0 * set->dft.ecut, 1.5) / (6.0 * AS_PI * AS_PI);
    int nproj = 0;
    for (int a = 0; a < m->s->natoms; a++)
        nproj += as_pseudo_nproj(m->pseudo_of_atom[a]);
    int n[3];
    as_gvecs_grid_size(m->s->lattice, set->dft.ecut, NULL, n);
    const double stored = set->dft.gamma_only && set->dft.real_wavefunctions ? 0.5 * npw : npw;
    as_memory_sizes z = {.npw_sum = nk * stored / nranks, .npw_max = stored / nranks,
                         .proj_cols = as_projectors_stored_columns(m->pseudo_of_atom, m->s->natoms),
                         .nbands = nb, .nspin = m->nspin, .nvec_factor = 2, .nproj = nproj,
                         .grid_points = (double)n[0] * n[1] * n[2] / nranks, .density_g = 8.0 * npw / nranks,
                         .stick_g = 2.0 * stored / nranks};
    return as_memory_estimate(&z, mem);
}

int as_cli_check_size(const as_settings *set, const char *deck_path, const as_model *m, const as_kpoints *kp,
                      MPI_Comm comm, double *estimate, as_error *err)
{
    int nocc = 0, nb = 0;
    if (as_scf_band_count(m, set->dft.nbands, &nocc, &nb, err))
        return as_cli_deck_context(err, deck_path, set->dft.nbands_line ? set->dft.nbands_line : dft_line(set));
    /* the basis: plane waves in the cutoff sphere (the smallest k-point's count is within a few % of this) */
    const double npw = m->omega * pow(2.0 * set->dft.ecut, 1.5) / (6.0 * AS_PI * AS_PI);
    if (npw < 1.1 * nb)
        return as_error_set(err, AS_EINPUT, "%s:%d: about %.0f plane waves within ecut = %g Ha, too few for %d bands; "
                            "raise ecut or lower nbands", deck_path,
                            set->dft.nbands_line ? set->dft.nbands_line : dft_line(set), npw, set->dft.ecut, nb);
    int nranks = 1;
    MPI_Comm_size(comm, &nranks);
    as_memory mem;
    const double per = as_cli_memory(set, m, nb, kp->nk, nranks, &mem), total = per * nranks;
    const double avail = as_layout_memory_per_rank(comm);
    if (estimate)
        *estimate = total;
    if (per > avail) {
        const double gb = 1.0 / (1024.0 * 1024.0 * 1024.0);
        int n[3];
        as_gvecs_grid_size(m->s->lattice, set->dft.ecut, NULL, n);
        return as_error_set(err, AS_ENOMEM,
                            "%s:%d: this calculation needs about %.1f GB (%d atoms, %d k-points, %d bands, about %.0f "
                            "plane waves, FFT grid %dx%dx%d), %.1f GB per rank on %d rank%s, but %.1f GB per rank are "
                            "available; lower ecut, the k mesh or the supercell, or run on more nodes",
                            deck_path, dft_line(set), total * gb, m->s->natoms, kp->nk, nb, npw, n[0], n[1], n[2],
                            per * gb, nranks, nranks > 1 ? "s" : "", avail * gb);
    }
    return AS_OK;
}
