"""Every reference case: (name, structure file, ecut Ha, k-points, {extra pw.x keys}, group, why).
Used by make_refs.py (runs them) and table.py (README table).  Groups: fast (make check), extra (fast too, added
checks), defect, relax, ev (energy-volume), const (a run made only to read QE's constants)."""

S = "structures/"
CUB = S + "CsPbBr3_cubic_5.874.txt"
PNMA = S + "CsPbBr3_pnma_icsd97851.txt"
PNMA_D = S + "CsPbBr3_pnma_br1_dx0.3.txt"
SI = S + "Si_dftk.txt"
SID = S + "Si_displaced_small.txt"
G002 = {"occupations": "'smearing'", "smearing": "'gaussian'", "degauss": "0.02"}

CASES = [
    # ---- fast: make check -------------------------------------------------------------------------------------
    ("si_dftk_10_k222", SI, 10, "2,2,2", {}, "fast", "basic PBE SCF, smallest case"),
    ("si_dftk_10_k222_lda", SI, 10, "2,2,2", {"pp": "LDA"}, "fast",
     "LDA: GTH-PADE pseudo (pspxc=1, QE runs PZ)"),
    ("si_dftk_10_k222_pz_pbepp", SI, 10, "2,2,2", {"input_dft": "'pz'"}, "fast",
     "LDA (PZ) functional with the PBE pseudo: XC change alone"),
    ("si_dftk_10_k222_pbesol", SI, 10, "2,2,2", {"input_dft": "'pbesol'"}, "fast",
     "PBEsol functional with the PBE pseudo"),
    ("si_displaced_small_10_k222", SID, 10, "2,2,2", {}, "fast", "forces and stress, no symmetry"),
    ("cspbbr3_cubic_12_k222", CUB, 12, "2,2,2", {}, "fast", "cubic perovskite, all three pseudos, gap at R"),
    ("cspbbr3_cubic_12_k222_shift", CUB, 12, "2,2,2,1,1,1", {}, "fast",
     "shifted mesh (2 2 2 1 1 1): kshift check against the unshifted case"),
    ("cspbbr3_cubic6.0_12_k222", S + "CsPbBr3_cubic_6.0.txt", 12, "2,2,2", {}, "fast",
     "strained cell (a=6.0 A): stress"),
    ("cspbbr3_cubic_12_gamma_pbq14", CUB, 12, "gamma", {"pp_Pb": "q14"}, "fast",
     "Pb q14 (5d semicore, 3 d-channel projectors)"),
    ("cspbbr3_pnma_10_gamma", PNMA, 10, "gamma", {}, "fast", "Pnma 20 atoms, Gamma only"),
    ("cspbbr3_pnma_br1dx_10_gamma", PNMA_D, 10, "gamma", {}, "fast",
     "Pnma with Br 1 moved +0.3 A along x: forces"),
    # ---- extra checks (all fast) -------------------------------------------------------------------------------
    ("si_dftk_10_k333", SI, 10, "3,3,3", {}, "extra", "odd mesh: k-points off the TRIM, symmetry weights"),
    ("si_dftk_10_gamma", SI, 10, "gamma", {}, "extra", "Gamma tricks (real wavefunctions, half sphere)"),
    ("si_dftk_10_k111", SI, 10, "1,1,1", {}, "extra",
     "Gamma as a complex k-point: must equal si_dftk_10_gamma"),
    ("cspbbr3_cubic_12_k222_lda", CUB, 12, "2,2,2", {"pp": "LDA"}, "extra", "LDA set for Cs, Pb, Br"),
    ("cspbcl3_cubic_12_k222", S + "CsPbCl3_cubic_5.605.txt", 12, "2,2,2", {}, "extra", "Cl pseudo"),
    ("cspbi3_cubic_12_k222", S + "CsPbI3_cubic_6.289.txt", 12, "2,2,2", {}, "extra", "I pseudo"),
    ("cspbbr3_cubic_12_k222_q0_gauss", CUB, 12, "2,2,2", G002, "extra",
     "neutral, gaussian smearing: must equal the fixed-occupation case (gapped)"),
    # ---- defect physics ----------------------------------------------------------------------------------------
    ("cspbbr3_cubic_12_k222_qp1_gauss", CUB, 12, "2,2,2", dict(G002, tot_charge="+1"), "defect",
     "charge +1 (hole), gaussian 0.02 Ry, jellium background"),
    ("cspbbr3_cubic_12_k222_qm1_gauss", CUB, 12, "2,2,2", dict(G002, tot_charge="-1"), "defect",
     "charge -1 (electron), gaussian 0.02 Ry"),
    ("cspbbr3_cubic_12_k222_qp1_spin", CUB, 12, "2,2,2",
     dict(G002, tot_charge="+1", nspin="2", **{"starting_magnetization(1)": "0.5"}), "defect",
     "odd electron count, nspin=2 (start: Br moment 0.5), gaussian 0.02 Ry"),
    ("cspbbr3_cubic_12_k222_qm1_spin", CUB, 12, "2,2,2",
     dict(G002, tot_charge="-1", nspin="2", **{"starting_magnetization(3)": "0.5"}), "defect",
     "odd electron count, nspin=2 (start: Pb moment 0.5), gaussian 0.02 Ry"),
    ("cspbbr3_cubic_12_k222_qp1_fd", CUB, 12, "2,2,2", dict(G002, smearing="'fermi-dirac'", tot_charge="+1"),
     "defect", "smearing variant: Fermi-Dirac, degauss = kT = 0.02 Ry"),
    ("cspbbr3_cubic_12_k222_qp1_mv", CUB, 12, "2,2,2", dict(G002, smearing="'marzari-vanderbilt'", tot_charge="+1"),
     "defect", "smearing variant: Marzari-Vanderbilt cold smearing 0.02 Ry"),
    ("cspbbr3_cubic_12_k222_qp1_mp", CUB, 12, "2,2,2", dict(G002, smearing="'methfessel-paxton'", tot_charge="+1"),
     "defect", "smearing variant: Methfessel-Paxton order 1, 0.02 Ry"),
    # ---- relaxation ----------------------------------------------------------------------------------------------
    ("si_displaced_small_10_k222_relax", SID, 10, "2,2,2",
     {"calculation": "'relax'", "forc_conv_thr": "1e-5", "etot_conv_thr": "1e-8", "nstep": "100"}, "relax",
     "BFGS position relaxation (forc_conv_thr 1e-5 Ry/bohr)"),
    ("cspbbr3_cubic_12_k222_vcrelax", CUB, 12, "2,2,2",
     {"calculation": "'vc-relax'", "forc_conv_thr": "1e-5", "etot_conv_thr": "1e-8", "press_conv_thr": "0.05",
      "nstep": "100"}, "relax", "BFGS cell relaxation from a=5.874 A (press_conv_thr 0.05 kbar)"),
]
for i in range(7):
    a = 5.70 + 0.4 * i / 6
    CASES.append((f"cspbbr3_cubic{a:.4f}_12_k222", S + f"CsPbBr3_cubic_{a:.4f}.txt", 12, "2,2,2", {}, "ev",
                  "energy-volume curve point"))
CASES.append(("si_dftk_10_k111_nbnd200", SI, 10, "1,1,1", {"nbnd": "200", "diagonalization": "'cg'"}, "const",
              "eigenvalues up to ~200 eV: reads QE's Hartree-to-eV factor off the printout"))
# ---- cutoff convergence and a smooth E(V) -------------------------------------------------------------------------
for e in (16, 20, 25, 30, 35, 40):
    CASES.append((f"cspbbr3_cubic_{e}_k222", CUB, e, "2,2,2", {}, "conv",
                  "ecut convergence of E, P, gap (compare the 12 Ha case)"))
for i in range(7):
    a = 5.70 + 0.4 * i / 6
    CASES.append((f"cspbbr3_cubic{a:.4f}_30_k222", S + f"CsPbBr3_cubic_{a:.4f}.txt", 30, "2,2,2", {}, "ev30",
                  "energy-volume point at 30 Ha (smooth E(V); 12 Ha is not)"))
# ---- spin-polarised zero-moment and LDA checks ---------------------------------------------------------------------
CASES += [
    ("cspbbr3_cubic_12_k222_q0_spin", CUB, 12, "2,2,2", dict(G002, nspin="2", **{"starting_magnetization(1)": "0.5"}),
     "extra", "nspin=2 on a closed shell: moment -> 0; PBE differs from nspin=1 by 9e-7 Ha (QE's spin-GGA)"),
    ("cspbbr3_cubic_12_k222_lda_q0_gauss", CUB, 12, "2,2,2", dict(G002, pp="LDA"), "extra",
     "LDA, gaussian smearing, nspin=1 (pair with _lda_q0_spin)"),
    ("cspbbr3_cubic_12_k222_lda_q0_spin", CUB, 12, "2,2,2",
     dict(G002, pp="LDA", nspin="2", **{"starting_magnetization(1)": "0.5"}), "extra",
     "LDA nspin=2, moment -> 0: equals nspin=1 to 1e-12 Ha"),
]
# ---- QE 6.7's GTH f-projector bug, shown (pseudo/exact: Cs f-channel as published, which QE 6.7 mis-normalises) --
CASES += [
    ("cspbbr3_cubic_12_k222_qe67fbug", CUB, 12, "2,2,2", {"pp": "exact/PBE"}, "qe67bug",
     "NOT a reference: uncompensated Cs file, QE 6.7's f-channel 105x too weak; compare cspbbr3_cubic_12_k222"),
    ("cspbbr3_cubic_20_k222_qe67fbug", CUB, 20, "2,2,2", {"pp": "exact/PBE"}, "qe67bug",
     "NOT a reference: reproduces /work/shared/reference/qe/results/cspbbr3_cubic_20_k222 (made with the bug)"),
    ("cspbbr3_pnma_10_gamma_qe67fbug", PNMA, 10, "gamma", {"pp": "exact/PBE"}, "qe67bug",
     "NOT a reference: size of the bug in Pnma (compare cspbbr3_pnma_10_gamma)"),
    ("cspbbr3_cubic_12_k222_lda_qe67fbug", CUB, 12, "2,2,2", {"pp": "exact/LDA"}, "qe67bug",
     "NOT a reference: LDA Cs (h_f = -17.9 Ha but r_f = 0.33 bohr; compare cspbbr3_cubic_12_k222_lda)"),
]
CASES += [
    ("csbr_12_k222", S + "CsBr_CsCl_4.296.txt", 12, "2,2,2", {}, "extra",
     "CsBr (CsCl type): 2-atom test of the Cs f channel (ABINIT cross-check)"),
    ("csbr_12_k222_qe67fbug", S + "CsBr_CsCl_4.296.txt", 12, "2,2,2", {"pp": "exact/PBE"}, "qe67bug",
     "NOT a reference: CsBr with QE 6.7's f bug (compare csbr_12_k222)"),
]
# ---- E(V) at 30 Ha past the minimum, and a 30 Ha cell relaxation ----------------------------------------------------
for a in (6.1667, 6.2333, 6.3000):
    CASES.append((f"cspbbr3_cubic{a:.4f}_30_k222", S + f"CsPbBr3_cubic_{a:.4f}.txt", 30, "2,2,2", {}, "ev30",
                  "energy-volume point at 30 Ha beyond the minimum"))
CASES.append(("cspbbr3_cubic_30_k222_vcrelax", CUB, 30, "2,2,2",
              {"calculation": "'vc-relax'", "forc_conv_thr": "1e-5", "etot_conv_thr": "1e-8", "press_conv_thr": "0.05",
               "nstep": "100"}, "relax", "BFGS cell relaxation at 30 Ha (compare the 30 Ha E(V) fit)"))
