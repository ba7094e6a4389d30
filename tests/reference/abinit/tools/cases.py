"""Every ABINIT reference case: (name, structure file, ecut Ha, k-points, {extra abinit_ref.py keys}, group, why, QE twin).
Used by make_refs.py (runs them) and table.py (README table).  Paths are relative to tests/reference/abinit.
Groups: fast (seconds to a minute or two each), extra (fast cross-checks), defect (charged / smeared / spin, fast
settings), full (several minutes each; `make validate`).
QE twin: the QE result for the same settings, a path relative to /work/main/tests/reference/qe or
/work/shared/reference/qe (prefix 'shared:'), or None.  For Cs cells the QE helper's current files are runs with the
Cs f-channel h multiplied by 105 (compensating QE 6.7's bug); QE67_PUBLISHED below holds QE's numbers with the
published files."""

S = "structures/"
CUB = S + "CsPbBr3_cubic_5.874.txt"
PNMA = S + "CsPbBr3_pnma_icsd97851.txt"
PNMA_D = S + "CsPbBr3_pnma_br1_dx0.3.txt"
SI = S + "Si_dftk.txt"
SID = S + "Si_displaced_small.txt"
G = {"smearing": "gaussian", "tsmear": "0.01"}          # = QE occupations='smearing', smearing='gaussian', degauss=0.02 Ry

CASES = [
    # ---- fast ------------------------------------------------------------------------------------------------------
    ("cspbbr3_cubic_12_k222", CUB, 12, "2,2,2", {"np": "2"}, "fast",
     "cubic CsPbBr3, PBE, all three pseudos", "results/cspbbr3_cubic_12_k222.json"),
    ("cspbbr3_cubic_12_k222_lda", CUB, 12, "2,2,2", {"np": "2", "pp": "LDA"}, "fast",
     "LDA (GTH-PADE pseudos, ixc -1009 = libxc PZ, as QE and anionscan run it)", "results/cspbbr3_cubic_12_k222_lda.json"),
    ("cspbbr3_cubic6.0_12_k222", S + "CsPbBr3_cubic_6.0.txt", 12, "2,2,2", {"np": "2"}, "fast",
     "strained cubic cell a = 6.0 A: stress", "results/cspbbr3_cubic6.0_12_k222.json"),
    ("cspbbr3_pnma_10_gamma", PNMA, 10, "gamma", {"np": "1"}, "fast",
     "Pnma, 20 atoms, Gamma; FFT 45x64x45 (plain rule, anionscan's grid; QE ran 48x64x48: see _qegrid)", None),
    ("cspbbr3_pnma_10_gamma_qegrid", PNMA, 10, "gamma", {"np": "1", "fftrule": "qe"}, "fast",
     "the same on QE's grid 48x64x48 (QE makes n_x, n_z even for the 1/2 fractional translations)",
     "results/cspbbr3_pnma_10_gamma.json"),
    ("cspbbr3_pnma_br1dx_10_gamma", PNMA_D, 10, "gamma", {"np": "1"}, "fast",
     "Pnma with Br (atom 9) moved +0.3 A along x: forces; 45x64x45 on both rules",
     "results/cspbbr3_pnma_br1dx_10_gamma.json"),
    ("si_dftk_10_k222", SI, 10, "2,2,2", {"np": "2"}, "fast",
     "Si, no f channel: ABINIT and QE must agree to ~1e-6 Ha", "results/si_dftk_10_k222.json"),
    ("cspbcl3_cubic_12_k222", S + "CsPbCl3_cubic_5.605.txt", 12, "2,2,2", {"np": "2"}, "fast",
     "cubic CsPbCl3 a = 5.605 A (Cl pseudo)", "results/cspbcl3_cubic_12_k222.json"),
    ("cspbi3_cubic_12_k222", S + "CsPbI3_cubic_6.289.txt", 12, "2,2,2", {"np": "2"}, "fast",
     "cubic CsPbI3 a = 6.289 A (I pseudo)", "results/cspbi3_cubic_12_k222.json"),
    # ---- extra cross-checks ------------------------------------------------------------------------------------------
    ("cspbbr3_cubic_12_k222_qefbug", CUB, 12, "2,2,2", {"np": "2", "pp": "PBE_qe_fbug"}, "extra",
     "Cs f-channel h divided by 105 (what QE 6.7 effectively uses): must reproduce QE's number with the published files",
     None),
    ("cspbbr3_pnma_10_gamma_qegrid_qefbug", PNMA, 10, "gamma", {"np": "1", "fftrule": "qe", "pp": "PBE_qe_fbug"},
     "extra", "Pnma on QE's grid with the Cs f-channel h divided by 105: must reproduce QE's number with the published files",
     None),
    ("cspbbr3_cubic_12_k222_lda_teter", CUB, 12, "2,2,2", {"np": "2", "pp": "LDA", "xc": "TETER"}, "extra",
     "LDA pseudos with ABINIT's Teter-Pade LDA (ixc 1, what GTH-PADE was fitted with)", None),
    ("cspbbr3_cubic_12_gamma_pbq14", CUB, 12, "gamma", {"np": "1", "pp_Pb": "q14"}, "extra",
     "Pb q14 (5d semicore)", "results/cspbbr3_cubic_12_gamma_pbq14.json"),
    ("si_dftk_10_k222_lda", SI, 10, "2,2,2", {"np": "2", "pp": "LDA"}, "extra",
     "Si LDA (PZ)", "results/si_dftk_10_k222_lda.json"),
    ("si_dftk_10_k222_pbesol", SI, 10, "2,2,2", {"np": "2", "xc": "PBESOL"}, "extra",
     "Si PBEsol with the PBE pseudo (ixc -116133)", "results/si_dftk_10_k222_pbesol.json"),
    ("si_displaced_small_10_k222", SID, 10, "2,2,2", {"np": "2", "nsym": "1"}, "extra",
     "Si, one atom displaced: forces and stress without symmetry (nsym 1: like QE, which drops the inversion whose "
     "translation (0.005, 0, -0.003) is not 1/n; ABINIT's chksymtnons refuses it too)", "results/si_displaced_small_10_k222.json"),
    ("si_dftk_25_k333", SI, 25, "3,3,3", {"np": "2"}, "extra",
     "Si 25 Ha 3x3x3: the case of the shared README (ABINIT -7.854477357, DFTK)", "shared:results/si_dftk_25_k333.json"),
    # ---- defect physics (fast settings) ----------------------------------------------------------------------------
    ("cspbbr3_cubic_12_k222_q0_gauss", CUB, 12, "2,2,2", dict(G, np="2"), "defect",
     "neutral, Gaussian 0.01 Ha: must equal the fixed-occupation case (gapped)",
     "results/cspbbr3_cubic_12_k222_q0_gauss.json"),
    ("cspbbr3_cubic_12_k222_qp1_gauss", CUB, 12, "2,2,2", dict(G, np="2", charge="1"), "defect",
     "charge +1 (33 electrons), Gaussian 0.01 Ha, compensating background",
     "results/cspbbr3_cubic_12_k222_qp1_gauss.json"),
    ("cspbbr3_cubic_12_k222_qp1_gauss_qefbug", CUB, 12, "2,2,2", dict(G, np="2", charge="1", pp="PBE_qe_fbug"),
     "defect", "charge +1 with the Cs f-channel h divided by 105: checks the G=0 conversion against QE exactly",
     None),
    ("cspbbr3_cubic_12_k222_qm1_gauss", CUB, 12, "2,2,2", dict(G, np="2", charge="-1"), "defect",
     "charge -1 (35 electrons), Gaussian 0.01 Ha", "results/cspbbr3_cubic_12_k222_qm1_gauss.json"),
    ("cspbbr3_cubic_12_k222_qp1_fd", CUB, 12, "2,2,2",
     {"np": "2", "charge": "1", "smearing": "fermi-dirac", "tsmear": "0.01"}, "defect",
     "charge +1, Fermi-Dirac kT = 0.01 Ha (occopt 3)", "results/cspbbr3_cubic_12_k222_qp1_fd.json"),
    ("cspbbr3_cubic_12_k222_qp1_spin", CUB, 12, "2,2,2", dict(G, np="2", charge="1", spin="2", spinat="Br:0.5"),
     "defect", "charge +1, nsppol 2, Gaussian 0.01 Ha, start 0.5 muB on each Br (free moment)",
     "results/cspbbr3_cubic_12_k222_qp1_spin.json"),
    ("cspbbr3_cubic_12_k222_qm1_spin", CUB, 12, "2,2,2", dict(G, np="2", charge="-1", spin="2", spinat="Pb:0.5"),
     "defect", "charge -1, nsppol 2, Gaussian 0.01 Ha, start 0.5 muB on Pb (free moment)",
     "results/cspbbr3_cubic_12_k222_qm1_spin.json"),
    ("cspbbr3_cubic_12_k222_qp1_spin_m1", CUB, 12, "2,2,2",
     dict(G, np="2", charge="1", spin="2", spinat="Br:0.5", spinmagntarget="1"), "defect",
     "charge +1, nsppol 2, Gaussian 0.01 Ha, total moment fixed to 1 muB (spinmagntarget 1)", None),
    # ---- full (make validate) ----------------------------------------------------------------------------------------
    ("cspbbr3_cubic_20_k222", CUB, 20, "2,2,2", {"np": "2"}, "full",
     "shared QE case", None),
    ("cspbbr3_cubic_25_k333", CUB, 25, "3,3,3", {"np": "2"}, "full",
     "shared QE case", None),
    ("cspbbr3_pnma_25_gamma", PNMA, 25, "gamma", {"np": "1"}, "full",
     "shared QE case (at 25 Ha both grid rules give 72x108x72)", None),
]

# QE 6.7 with the GTH files exactly as published (pseudo/PBE, pseudo/LDA here; same md5 as the files the QE helper
# first used), i.e. with QE's f-channel bug.  Source: the QE helper's results/*.json as first produced
# (tests/reference/qe, read 2024 session before they switched to h_f x 105 files; -64.07267841 is also quoted in
# tests/reference/qe/potentials_qe67/README.md) and /work/shared/reference/qe/results (prefix 'shared').
# These are frozen here because the QE helper's result files now hold runs with Cs h_f x 105 (which compensates
# QE's bug) and keep changing.
QE67_PUBLISHED = {
    "cspbbr3_cubic_12_k222": (-64.07267840994892, "qe results/cspbbr3_cubic_12_k222"),
    "cspbbr3_cubic_12_k222_lda": (-64.36639954020482, "qe results/cspbbr3_cubic_12_k222_lda"),
    "cspbbr3_cubic6.0_12_k222": (-64.07561214823224, "qe results/cspbbr3_cubic6.0_12_k222"),
    "cspbbr3_pnma_10_gamma_qegrid": (-255.804127875159, "qe results/cspbbr3_pnma_10_gamma"),
    "cspbbr3_pnma_br1dx_10_gamma": (-255.8054814610154, "qe results/cspbbr3_pnma_br1dx_10_gamma"),
    "cspbcl3_cubic_12_k222": (-68.72089024104858, "qe results/cspbcl3_cubic_12_k222"),
    "cspbi3_cubic_12_k222": (-58.28982085570397, "qe results/cspbi3_cubic_12_k222"),
    "cspbbr3_cubic_12_k222_qefbug": (-64.07267840994892, "qe results/cspbbr3_cubic_12_k222"),
    "cspbbr3_pnma_10_gamma_qegrid_qefbug": (-255.804127875159, "qe results/cspbbr3_pnma_10_gamma"),
    "cspbbr3_cubic_12_gamma_pbq14": (-118.7315106841414, "qe results/cspbbr3_cubic_12_gamma_pbq14"),
    "cspbbr3_cubic_12_k222_q0_gauss": (-64.07267876108695, "qe results/cspbbr3_cubic_12_k222_q0_gauss"),
    "cspbbr3_cubic_12_k222_qp1_gauss": (-64.1558978623267, "qe results/cspbbr3_cubic_12_k222_qp1_gauss"),
    "cspbbr3_cubic_12_k222_qp1_gauss_qefbug": (-64.1558978623267, "qe results/cspbbr3_cubic_12_k222_qp1_gauss"),
    "cspbbr3_cubic_12_k222_qm1_gauss": (-63.89409181083892, "qe results/cspbbr3_cubic_12_k222_qm1_gauss"),
    "cspbbr3_cubic_12_k222_qp1_fd": (-64.16400223280318, "qe results/cspbbr3_cubic_12_k222_qp1_fd"),
    "cspbbr3_cubic_12_k222_qp1_spin": (-64.15589697349913, "qe results/cspbbr3_cubic_12_k222_qp1_spin"),
    "cspbbr3_cubic_12_k222_qm1_spin": (-63.89409090038948, "qe results/cspbbr3_cubic_12_k222_qm1_spin"),
    "cspbbr3_cubic_20_k222": (-64.20072364, "shared results/cspbbr3_cubic_20_k222"),
    "cspbbr3_cubic_25_k333": (-64.245853415, "shared results/cspbbr3_cubic_25_k333"),
    "cspbbr3_pnma_25_gamma": (-256.84195859, "shared results/cspbbr3_pnma_25_gamma"),
}
