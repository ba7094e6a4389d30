#!/usr/bin/python3
"""Figures of an anionscan scan, read from its output directory.

usage: analysis/plot_scan.py DIR [-o OUTDIR] [--formats png,pdf] [-j JOBS]

DIR is the output directory of `anionscan scan DECK -o DIR` (or of `anionscan report`, whose
ranking.json lists the directories it ranked).  Every number about energies, gaps and populations is
read from DIR/ranking.json (docs/ranking.md) and never recomputed; the relaxation traces come from
DIR/configs/NAME/relax.log (its table of ionic steps; trajectory.extxyz without one), the pictures
from DIR/configs/NAME/final.cif.  Written into OUTDIR (default DIR/figures), each in every format
asked (docs/analysis.md says how to read them):

  fig3_energy_gap     per family: relative energy (meV per formula unit) and band-gap change (meV) of
                      each configuration, as the paper's Figure 3e/f
  energy_vs_dgap      dE against dgap for every configuration with both, marker by family
  populations         the Boltzmann population of each configuration within its family
  relax_NAME          the relaxation of configuration NAME: energy, max force, gap, SCF iterations per step
  structure_NAME      the interstitial of NAME and its neighbours within 4 angstrom (final.cif)
  figures.json        the numbers each figure shows, for tests and for re-plotting

Each file is written under a temporary name and renamed, so a figure is either complete or absent.
The paths written are printed, one per line.  Exit status: 0 done; 2 bad input (no DIR, no or an
unreadable ranking.json: nothing is written); 1 a figure could not be made (the others are written).
Needs numpy and matplotlib; ASE to read final.cif (without it the structure figures are left out).
"""
import argparse
import json
import math
import os
import re
import sys
import tempfile
import textwrap

PROG = "plot_scan.py"
NEIGHBOUR_RADIUS = 4.0  # angstrom, for structure_NAME
SCHEMA_PREFIX = "anionscan-ranking/"
HA_EV = 27.211386245988  # CODATA 2018, as src/core/units.h


class BadInput(Exception):
    """The input cannot be plotted at all: exit status 2, nothing written."""


def warn(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr)


# --------------------------------------------------------------------------------------------------
# reading

def load_ranking(d):
    """ranking.json of scan directory d, checked enough that every figure can be drawn."""
    if not os.path.isdir(d):
        raise BadInput("%s: no such directory (expected the output directory of 'anionscan scan')" % d)
    path = os.path.join(d, "ranking.json")
    if not os.path.isfile(path):
        raise BadInput("%s: missing (is %s the output directory of a finished 'anionscan scan'?)" % (path, d))
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise BadInput("%s: cannot read: %s" % (path, e.strerror or e))
    if not text.strip():
        raise BadInput("%s: empty file" % path)
    try:
        j = json.loads(text)
    except ValueError as e:
        raise BadInput("%s: not valid JSON (truncated?): %s" % (path, e))
    try:
        check_ranking(j)
    except (KeyError, TypeError, ValueError) as e:
        raise BadInput("%s: not an anionscan ranking: %s" % (path, e))
    return path, j


def check_ranking(j):
    if not isinstance(j, dict):
        raise TypeError("the top level is not an object")
    schema = j.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise ValueError("schema is %r, expected %s1" % (schema, SCHEMA_PREFIX))
    for k in ("families", "temperature_K", "sign_convention", "host"):
        if k not in j:
            raise KeyError("no '%s'" % k)
    if not isinstance(j["families"], list):
        raise TypeError("'families' is not a list")
    seen = set()
    for fam in j["families"]:
        for k in ("name", "zero", "configurations"):
            if k not in fam:
                raise KeyError("a family has no '%s'" % k)
        for c in fam["configurations"]:
            for k in ("name", "status", "de_mev_per_fu", "dgap_mev", "population", "final_frac", "detail"):
                if k not in c:
                    raise KeyError("configuration %s has no '%s'" % (c.get("name", "?"), k))
            for k in ("de_mev_per_fu", "dgap_mev", "population"):
                v = c[k]
                if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
                    raise ValueError("configuration %s: '%s' is %r" % (c["name"], k, v))
            if c["name"] in seen:
                raise ValueError("configuration %s appears twice" % c["name"])
            seen.add(c["name"])


ROW = re.compile(r"^\s*(\d+)\s+(-?\d+\.\d+(?:[eE][-+]?\d+)?)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\S+)(.*)$")


def parse_relax_log(path):
    """The ionic steps of relax.log, per stage: [{stage, ecut_ha, fmax_ev_ang, rows}], rows a list of
    (step, energy_ha, max_force_ev_ang, scf_iterations, note).  A scan's relax.log holds the prerelax
    (its first 'prerelax:' line opens it) and then the main stage; a continued run appends to it, so a
    step met again replaces the earlier line."""
    stages = []
    cur = None
    in_table = False

    def new_stage(name):
        s = {"stage": name, "ecut_ha": None, "fmax_ev_ang": None, "steps": {}}
        stages.append(s)
        return s

    def stage_named(name):
        for s in stages:
            if s["stage"] == name:
                return s
        return new_stage(name)

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("prerelax:"):
                in_table = False
                m = re.search(r"\(in (\S+)\)\s*$", line)
                if m:  # "prerelax: 6 Ha, ... (in DIR/prerelax)", "prerelax: corrected, ... (in DIR/prerelax2)"
                    cur = stage_named(os.path.basename(m.group(1).rstrip("/")))
                else:  # "prerelax: N steps ...; the relaxation at X Ha starts ...", a probe's line, ...
                    cur = stage_named("main")
                continue
            if cur is None and ("anionscan relax" in line or "step " in line):
                cur = stage_named("main")
            if cur is None:
                continue
            m = re.match(r"\s+cutoff\s+([0-9.eE+-]+) Ha", line)
            if m:
                cur["ecut_ha"] = float(m.group(1))
            m = re.match(r"\s+relax\s+.*fmax ([0-9.eE+-]+) eV/angstrom", line)
            if m:
                cur["fmax_ev_ang"] = float(m.group(1))
            if re.match(r"\s+step\s+energy \(Ha\)\s+max\|F\|", line):
                in_table = True
                continue
            if in_table:
                if re.match(r"\s*(relaxation |!|anionscan relax)", line):
                    in_table = False
                    continue
                m = ROW.match(line)
                if m:
                    cur["steps"][int(m.group(1))] = (int(m.group(1)), float(m.group(2)) * HA_EV, float(m.group(3)),
                                                     int(m.group(5)), m.group(8).strip())
    out = []
    for s in stages:
        if s["steps"]:
            out.append({"stage": s["stage"], "ecut_ha": s["ecut_ha"], "fmax_ev_ang": s["fmax_ev_ang"],
                        "source": path, "rows": [s["steps"][k] for k in sorted(s["steps"])]})
    return out


def trajectory_stage(path, stage):
    """Fallback without a relax.log table: the steps of trajectory.extxyz (energy eV, forces eV/A)."""
    import ase.io
    import numpy as np
    rows = []
    for i, a in enumerate(ase.io.read(path, index=":")):
        step = int(a.info.get("step", i + 1))
        e = a.info.get("energy")
        if e is None:
            e = a.get_potential_energy()
        fmax = a.info.get("max_force")
        if fmax is None:
            fmax = float(np.max(np.linalg.norm(a.get_forces(), axis=1)))
        rows.append((step, float(e), float(fmax), int(a.info.get("scf_iterations", 0)), ""))
    return {"stage": stage, "ecut_ha": None, "fmax_ev_ang": None, "source": path, "rows": rows} if rows else None


def stage_order(stage):
    """prerelax, then the corrected prerelaxations prerelax2, prerelax3, ... (docs/scan.md), then main."""
    if stage == "main":
        return 1000
    m = re.fullmatch(r"prerelax(\d*)", stage)
    return int(m.group(1) or 1) if m else 999


def stage_gaps(cdir, stage):
    """step -> the gap on the k mesh (eV) from the stage's trajectory.extxyz (its frames' "gap"), or {}:
    trajectories written before the gap was recorded have none."""
    import ase.io
    traj = os.path.join(cdir, "" if stage == "main" else stage, "trajectory.extxyz")
    if not os.path.isfile(traj) or os.path.getsize(traj) == 0:
        return {}
    try:
        frames = ase.io.read(traj, index=":")
    except Exception as e:  # a torn trajectory: the figure goes without that stage's gaps
        warn("%s: cannot read: %s" % (traj, e))
        return {}
    return {int(a.info.get("step", i + 1)): float(a.info["gap"]) for i, a in enumerate(frames) if "gap" in a.info}


def relaxation(cdir):
    """The stages of the relaxation in configuration directory cdir (prerelax first), or []; each stage's
    "gaps" lists the gap (eV) of each of its rows, None where its trajectory has none."""
    log = os.path.join(cdir, "relax.log")
    stages = parse_relax_log(log) if os.path.isfile(log) else []
    have = {s["stage"] for s in stages}
    pre = sorted((d for d in os.listdir(cdir) if re.fullmatch(r"prerelax\d*", d)), key=stage_order) \
        if os.path.isdir(cdir) else []
    for stage, sub in [(d, d) for d in pre] + [("main", "")]:
        traj = os.path.join(cdir, sub, "trajectory.extxyz")
        if stage not in have and os.path.isfile(traj) and os.path.getsize(traj) > 0:
            try:
                s = trajectory_stage(traj, stage)
            except Exception as e:  # a torn trajectory: the figure goes without that stage
                warn("%s: cannot read: %s" % (traj, e))
                s = None
            if s:
                stages.append(s)
    stages.sort(key=lambda s: stage_order(s["stage"]))
    for s in stages:
        s["source"] = os.path.relpath(s["source"], cdir)
        g = stage_gaps(cdir, s["stage"])
        s["gaps"] = [g.get(r[0]) for r in s["rows"]]
    return stages


def config_dirs(scandir, j):
    """NAME -> (its directory, the scan directory it belongs to or None) for every configuration found.

    A scan's own configurations are in DIR/configs/NAME.  The ranking of 'anionscan report' lists its
    sources: scan directories (their configs/NAME) and run directories (a relax or scf run, the
    configuration named after the directory).  Relative sources are tried from the current directory
    (report runs this script where it was started) and from DIR's parent."""
    found = {}
    names = [c["name"] for f in j["families"] for c in f["configurations"]]
    cands = [os.path.abspath(scandir)]
    for src in j.get("sources") or []:
        if not isinstance(src, str):
            continue
        for base in ([""] if os.path.isabs(src) else ["", os.path.dirname(os.path.abspath(scandir))]):
            p = os.path.abspath(os.path.join(base, src))
            if os.path.isdir(p) and p not in cands:
                cands.append(p)
                break
    for n in names:
        for cd in cands:
            if os.path.isdir(os.path.join(cd, "configs", n)):
                found[n] = (os.path.join(cd, "configs", n), cd)
                break
            if os.path.basename(cd.rstrip("/")) == n and cd != os.path.abspath(scandir):
                found[n] = (cd, None)
                break
    return found


def file_stem(name, used):
    """A file-name-safe stem for a configuration name, unique among those used."""
    stem = re.sub(r"[^A-Za-z0-9_.+\-]", "_", name) or "_"
    s, k = stem, 2
    while s in used:
        s, k = "%s_%d" % (stem, k), k + 1
    used.add(s)
    return s


def read_json_opt(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------------------------------
# writing

class Writer:
    """Saves figures atomically (temporary name in OUTDIR, then os.replace) and remembers the paths."""

    def __init__(self, outdir, formats):
        self.outdir, self.formats, self.written = outdir, formats, []

    def _replace(self, final, write):
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(final) + ".", suffix=".tmp", dir=self.outdir)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self.written.append(final)

    def figure(self, fig, stem):
        import matplotlib.pyplot as plt
        files = []
        try:
            for fmt in self.formats:
                final = os.path.join(self.outdir, "%s.%s" % (stem, fmt))
                meta = {"Software": "anionscan analysis/plot_scan.py"} if fmt == "png" else {"Creator": "anionscan analysis/plot_scan.py"}
                self._replace(final, lambda f: fig.savefig(f, format=fmt, dpi=150, metadata=meta))
                files.append(os.path.basename(final))
        finally:
            plt.close(fig)
        return files

    def json(self, obj, name):
        final = os.path.join(self.outdir, name)
        text = json.dumps(obj, indent=1, allow_nan=False) + "\n"
        self._replace(final, lambda f: f.write(text.encode("utf-8")))


# --------------------------------------------------------------------------------------------------
# figures

# no red or green: they read as "bad"/"good"; grey is kept for configurations that are not ranked
FAMILY_COLOURS = ["#1f77b4", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#393b79"]
FAMILY_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<"]
GREY = "#b0b0b0"


def style(c, colour):
    """Bar face, hatch, edge and the short note for a configuration's status."""
    st = c["status"]
    if st == "ok":
        return dict(color=colour, hatch=None, edgecolor="black", note="")
    if st == "moved":
        return dict(color=colour, hatch="///", edgecolor="black", note=c["detail"] or "moved")
    if st == "same":
        return dict(color="#dddddd", hatch="xx", edgecolor="#555555", note=c["detail"] or "same")
    if st == "recombined":
        return dict(color=GREY, hatch="..", edgecolor="#555555", note="recombined")
    return dict(color="none", hatch=None, edgecolor="none", note="failed: " + (c["detail"] or "no result"))


def fmt_signed(v, unit=""):
    if v is None:
        return "–"
    if v == 0:
        return "0" + unit
    a = abs(v)
    s = "%.0f" % v if a >= 100 else "%.1f" % v if a >= 1 else "%.2f" % v
    if v > 0:
        s = "+" + s
    return s.replace("-", "−") + unit


def short_note(note, width=26):
    """A status note in at most two lines of the tick labels (the full text is in ranking.json/report.md)."""
    lines = textwrap.wrap(note, width)
    if len(lines) > 2:
        lines = [lines[0], lines[1][:width - 1] + "…"]
    return "\n".join(lines)


def zero_label(fam, c):
    if fam.get("zero") == c["name"]:
        return "reference (0)" if fam.get("zero_is_reference") else "zero (lowest)"
    return ""


def family_title(fam):
    zero = fam.get("zero")
    if zero:
        z = "zero: %s (%s)" % (zero, "the reference" if fam.get("zero_is_reference") else "lowest ranked energy")
    else:
        z = "no zero: nothing ranked, so no ΔE"
    return "%s  —  %s" % (fam["name"], z)


def caption(fig, text, y=0.005, width=150, fontsize=7.5):
    fig.text(0.01, y, "\n".join(textwrap.wrap(text, width)), fontsize=fontsize, va="bottom", ha="left",
             color="#333333")


def status_legend_handles(statuses):
    from matplotlib.patches import Patch
    h = []
    if "ok" in statuses:
        h.append(Patch(facecolor="#888888", edgecolor="black", label="ok (ranked; colour = family)"))
    if "moved" in statuses:
        h.append(Patch(facecolor="#888888", edgecolor="black", hatch="///", label="moved to another site (ranked)"))
    if "same" in statuses:
        h.append(Patch(facecolor="#dddddd", edgecolor="#555555", hatch="xx", label="same as another (not ranked)"))
    if "recombined" in statuses:
        h.append(Patch(facecolor=GREY, edgecolor="#555555", hatch="..", label="recombined (not ranked)"))
    if "failed" in statuses:
        h.append(Patch(facecolor="white", edgecolor="#999999", linestyle=":", label="failed: listed, no bar"))
    return h


def bar_panel(ax, ys, vals, styles):
    """Horizontal bars with their values written beside them; None = no bar."""
    finite = [v for v in vals if v is not None]
    lo, hi = min(finite + [0.0]), max(finite + [0.0])
    span = hi - lo
    if span < 1.0:  # all at (or near) zero: a readable 1 meV scale rather than +-0.06
        lo, hi, span = min(lo, -0.5), max(hi, 0.5), max(hi, 0.5) - min(lo, -0.5)
    for y, v, s in zip(ys, vals, styles):
        if v is None:
            continue
        if v == 0.0:  # the zero itself has no bar: a diamond on the axis
            ax.plot([0.0], [y], marker="D", markersize=7, color=s["color"], markeredgecolor="black", zorder=4)
        ax.barh(y, v, height=0.6, color=s["color"], hatch=s["hatch"], edgecolor=s["edgecolor"], linewidth=0.8)
        ax.text(v + ((0.045 if v == 0 else 0.02) * span if v >= 0 else -0.02 * span), y, fmt_signed(v), va="center",
                ha="left" if v >= 0 else "right", fontsize=8.5)
    ax.axvline(0.0, color="black", linewidth=1.0)
    ax.set_xlim(lo - (0.32 * span if lo < 0 else 0.06 * span), hi + (0.32 * span if hi > 0 else 0.06 * span))
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)


def fig3(j):
    import matplotlib.pyplot as plt
    fams = j["families"]
    heights = [max(1, len(f["configurations"])) * 0.42 + 0.9 for f in fams] or [1.0]
    fig, axes = plt.subplots(len(heights), 2, figsize=(11.5, sum(heights) + 2.1), squeeze=False,
                             gridspec_kw=dict(height_ratios=heights, width_ratios=[1, 1]))
    plotted, statuses = {}, set()
    record = []
    for fi, fam in enumerate(fams):
        colour = FAMILY_COLOURS[fi % len(FAMILY_COLOURS)]
        confs = fam["configurations"]
        n = len(confs)
        ys = list(range(n - 1, -1, -1))  # the ranking's order, top to bottom
        styles = [style(c, colour) for c in confs]
        de = [c["de_mev_per_fu"] if c["status"] != "failed" else None for c in confs]
        dg = [c["dgap_mev"] if c["status"] != "failed" else None for c in confs]
        statuses.update(c["status"] for c in confs)
        axe, axg = axes[fi]
        bar_panel(axe, ys, de, styles)
        bar_panel(axg, ys, dg, styles)
        labels = []
        for c, s in zip(confs, styles):
            z = zero_label(fam, c)
            lab = c["name"] + ("\n" + z if z else "")
            rank = c.get("rank") or 0
            labels.append(("#%d  " % rank if rank else "") + lab)
        axe.set_yticks(ys)
        axe.set_yticklabels(labels, fontsize=9)
        for t, c in zip(axe.get_yticklabels(), confs):
            if fam.get("zero") == c["name"]:
                t.set_fontweight("bold")
        axg.set_yticks(ys)
        axg.set_yticklabels([short_note(s["note"]) for s in styles], fontsize=8, color="#444444")
        for y, c in zip(ys, confs):
            if c["status"] == "failed":
                for ax in (axe, axg):
                    ax.text(0.02, y, "failed: no value", transform=ax.get_yaxis_transform(), va="center",
                            ha="left", fontsize=8, color="#777777", style="italic")
        axg.yaxis.tick_right()
        for ax in (axe, axg):
            ax.set_ylim(-0.7, n - 0.3)
        if fam.get("zero") is None:
            axe.text(0.5, 0.5, "no ΔE: nothing in this family is ranked\n(no zero to measure from)",
                     transform=axe.transAxes, ha="center", va="center", fontsize=9, color="#555555",
                     bbox=dict(facecolor="white", edgecolor="#cccccc"))
        axe.set_title(family_title(fam), fontsize=10, loc="left")
        if fi < len(fams) - 1:
            axe.set_xlabel("ΔE (meV/f.u.)", fontsize=8.5)
            axg.set_xlabel("Δgap (meV)", fontsize=8.5)
        else:
            axe.set_xlabel("ΔE = E(configuration) − E(family zero)\n"
                           "(meV per formula unit; positive: less stable than the zero)", fontsize=9)
            axg.set_xlabel("Δgap = gap(host, anions on lattice) − gap(configuration)  (meV)\n"
                           "negative: annealing (interstitial → lattice) narrows the gap", fontsize=9)
        fr = {"name": fam["name"], "zero": fam.get("zero"), "zero_is_reference": fam.get("zero_is_reference"),
              "configurations": []}
        for c, a, b in zip(confs, de, dg):
            plotted[c["name"]] = [a, b]
            fr["configurations"].append({"name": c["name"], "status": c["status"], "de_mev_per_fu": a,
                                         "dgap_mev": b})
        record.append(fr)
    handles = status_legend_handles(statuses)
    fig.suptitle("Interstitial anions: relative energy and band-gap change per family (cf. the paper's Figure 3e/f)",
                 fontsize=11.5, x=0.01, ha="left")
    cap = ("Sign convention (ranking.json): " + j["sign_convention"] +
           ". Bars of one family only are comparable. Host: %s f.u. per cell." % (j["host"].get("formula_units")))
    if handles:
        fig.legend(handles=handles, loc="lower right", fontsize=8, ncol=len(handles), frameon=False,
                   bbox_to_anchor=(0.99, 0.085))
    caption(fig, cap)
    fig.tight_layout(rect=(0, 0.13 * 3.0 / (sum(heights) + 2.1) + 0.06, 1, 0.97))
    return fig, {"values": plotted, "families": record,
                 "units": {"de_mev_per_fu": "meV per formula unit", "dgap_mev": "meV"}}


def place_labels(ax, fig, pts, names):
    """Point labels placed where they overlap neither each other nor the markers (8 tries each)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = []
    for (x, y) in pts:
        px, py = ax.transData.transform((x, y))
        boxes.append((px - 6, py - 6, px + 6, py + 6))
    offsets = [(8, 6), (8, -12), (-8, 6), (-8, -12), (0, 12), (0, -18), (14, -3), (-14, -3),
               (20, 18), (-20, 18), (20, -24), (-20, -24)]
    texts = []
    axbox = ax.get_window_extent(r)
    for (x, y), name in zip(pts, names):
        best, best_cost = None, None
        for dx, dy in offsets:
            t = ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=8.5,
                            ha="left" if dx > 0 else "right" if dx < 0 else "center",
                            arrowprops=dict(arrowstyle="-", color="#888888", linewidth=0.5) if abs(dy) > 14 else None)
            bb = t.get_window_extent(r)
            cost = 0.0
            for b in boxes:
                ox = min(bb.x1, b[2]) - max(bb.x0, b[0])
                oy = min(bb.y1, b[3]) - max(bb.y0, b[1])
                if ox > 0 and oy > 0:
                    cost += ox * oy
            for edge in (axbox.x0 - bb.x0, bb.x1 - axbox.x1, axbox.y0 - bb.y0, bb.y1 - axbox.y1):
                if edge > 0:
                    cost += 50 * edge
            if best_cost is None or cost < best_cost:
                if best is not None:
                    best.remove()
                best, best_cost, bestbb = t, cost, bb
            else:
                t.remove()
            if cost == 0:
                break
        boxes.append((bestbb.x0, bestbb.y0, bestbb.x1, bestbb.y1))
        texts.append(best)
    return texts


def scatter(j):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8.5, 6.4))
    pts, names, points, missing = [], [], {}, []
    fams = j["families"]
    for fi, fam in enumerate(fams):
        colour = FAMILY_COLOURS[fi % len(FAMILY_COLOURS)]
        marker = FAMILY_MARKERS[fi % len(FAMILY_MARKERS)]
        first = True
        for c in fam["configurations"]:
            de, dg = c["de_mev_per_fu"], c["dgap_mev"]
            if c["status"] == "failed" or de is None or dg is None:
                why = ("failed" if c["status"] == "failed" else
                       "merged: no energy of its own" if c["status"] == "same" else
                       "no ΔE (its family has no zero)" if de is None else "no Δgap")
                missing.append("%s (%s)" % (c["name"], why))
                continue
            ranked = c["status"] in ("ok", "moved")
            ax.scatter([dg], [de], marker=marker, s=70, zorder=3,
                       facecolor=colour if ranked else "white", edgecolor=colour, linewidth=1.6,
                       label=fam["name"] if first else None)
            first = False
            pts.append((dg, de))
            names.append(c["name"] + ("" if ranked else " (%s)" % c["status"]))
            points[c["name"]] = [de, dg]
    ax.axhline(0, color="#999999", linewidth=0.8, zorder=1)
    ax.axvline(0, color="#999999", linewidth=0.8, zorder=1)
    if pts:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        for lo, hi, setter in ((min(xs + [0]), max(xs + [0]), ax.set_xlim), (min(ys + [0]), max(ys + [0]), ax.set_ylim)):
            span = (hi - lo) or 1.0
            setter(lo - 0.18 * span, hi + 0.18 * span)
        ax.legend(fontsize=8.5, loc="best", title="family (open marker: not ranked)", title_fontsize=8)
        place_labels(ax, fig, pts, names)
    else:
        ax.text(0.5, 0.5, "no configuration has both ΔE and Δgap", transform=ax.transAxes, ha="center")
    ax.set_xlabel("Δgap = gap(host) − gap(configuration)  (meV)   negative: annealing narrows the gap")
    ax.set_ylabel("ΔE = E − E(family zero)  (meV per formula unit)   positive: less stable")
    ax.set_title("Energy against band-gap change (ΔE is relative to each family's own zero)", fontsize=10.5)
    ax.grid(color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    cap = "Sign convention: " + j["sign_convention"] + "."
    if missing:
        cap += " Not plotted: " + "; ".join(missing) + "."
    caption(fig, cap, width=130)
    nlines = len(textwrap.wrap(cap, 130))
    fig.tight_layout(rect=(0, min(0.4, 0.02 + 0.022 * nlines), 1, 1))
    return fig, {"points": points, "not_plotted": missing,
                 "units": {"de_mev_per_fu": "meV per formula unit", "dgap_mev": "meV"},
                 "axes": {"x": "dgap_mev", "y": "de_mev_per_fu"}}


def populations(j):
    import matplotlib.pyplot as plt
    fams = j["families"]
    T = j["temperature_K"]
    heights = [max(1, len(f["configurations"])) * 0.42 + 0.8 for f in fams] or [1.0]
    fig, axes = plt.subplots(len(heights), 1, figsize=(9.5, sum(heights) + 1.5), squeeze=False,
                             gridspec_kw=dict(height_ratios=heights))
    values = {}
    for fi, fam in enumerate(fams):
        ax = axes[fi][0]
        colour = FAMILY_COLOURS[fi % len(FAMILY_COLOURS)]
        confs = fam["configurations"]
        n = len(confs)
        ys = list(range(n - 1, -1, -1))
        for y, c in zip(ys, confs):
            p = c["population"] if c["population"] is not None else 0.0
            values[c["name"]] = p
            ranked = c["status"] in ("ok", "moved")
            s = style(c, colour)
            if ranked:
                ax.barh(y, 100.0 * p, height=0.6, color=s["color"], hatch=s["hatch"], edgecolor="black", linewidth=0.8)
                txt = ("%.3g %%" % (100 * p)) + ("  (< 1 %: too rare to matter)" if p < 0.01 else "")
            else:
                txt = "not ranked: " + (s["note"] if c["status"] != "same" else c["detail"] or "same")
            ax.text(100.0 * p + 1.5, y, txt, va="center", ha="left", fontsize=8.5,
                    color="black" if ranked else "#666666")
        ax.axvline(1.0, color="#d62728", linestyle="--", linewidth=0.9)
        ax.set_xlim(0, 135)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_yticks(ys)
        ax.set_yticklabels([c["name"] for c in confs], fontsize=9)
        ax.set_ylim(-0.7, n - 0.3)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(fam["name"] + ("" if fam.get("nranked", 1) else "  —  nothing ranked"), fontsize=10, loc="left")
        if fi == len(fams) - 1:
            ax.set_xlabel("equilibrium population within the family at %g K  (%%; dashed line: 1 %%)" % T)
    fig.suptitle("Boltzmann populations at %g K (multiplicities counted; from ranking.json)" % T, fontsize=11,
                 x=0.01, ha="left")
    caption(fig, "Within each family: p_i = g_i exp(−(E_i − E_min)/kT) / Σ_j g_j exp(−(E_j − E_min)/kT), kT = %.2f meV; "
            "only ok and moved configurations are ranked (same, recombined and failed ones have 0)."
            % (1000.0 * (j.get("kT_ev") or 0.0)), width=140)
    fig.tight_layout(rect=(0, 0.6 / (sum(heights) + 1.5), 1, 0.96))
    return fig, {"values": values, "temperature_K": T, "unit": "fraction 0..1 (plotted as percent)"}


STAGE_COLOURS = {"prerelax": "#ff7f0e", "main": "#1f77b4"}


def relax_figure(name, status, stages, fmax_plan=None):
    import matplotlib.pyplot as plt
    import numpy as np
    with_gap = any(g is not None for s in stages for g in s.get("gaps", []))
    ratios = [1.25, 1.1, 1.1, 0.8] if with_gap else [1.25, 1.1, 0.8]
    fig, axes = plt.subplots(len(ratios), 1, figsize=(8.5, 10.4 if with_gap else 8.2), sharex=True,
                             gridspec_kw=dict(height_ratios=ratios))
    ae, af, asc = axes[0], axes[1], axes[-1]
    ag = axes[2] if with_gap else None
    x0 = 0
    rec = []
    for s in stages:
        rows = s["rows"]
        x = np.arange(1, len(rows) + 1) + x0
        e = np.array([r[1] for r in rows])
        de = 1000.0 * (e - e[-1])
        f = np.array([r[2] for r in rows])
        scf = np.array([r[3] for r in rows])
        col = STAGE_COLOURS.get(s["stage"], "#e6a04a" if s["stage"].startswith("prerelax") else "#555555")
        lab = s["stage"] + ("" if s["ecut_ha"] is None else " (%.3g Ha)" % s["ecut_ha"])
        ae.plot(x, de, "o-", color=col, markersize=3.5, linewidth=1.3, label=lab)
        af.plot(x, np.maximum(f, 1e-6), "o-", color=col, markersize=3.5, linewidth=1.3, label=lab)
        if s["fmax_ev_ang"]:
            af.hlines(s["fmax_ev_ang"], x[0] - 0.5, x[-1] + 0.5, colors=col, linestyles="--", linewidth=1.0)
            af.text(x[0] - 0.4, s["fmax_ev_ang"] * 0.93, "fmax %.3g" % s["fmax_ev_ang"], color=col, fontsize=8,
                    va="top", ha="left")
        asc.bar(x, scf, width=0.8, color=col, label=lab)
        gaps = s.get("gaps") or [None] * len(rows)
        gap_rel = [None] * len(rows)
        if ag is not None and gaps[-1] is not None:
            gap_rel = [None if g is None else 1000.0 * (g - gaps[-1]) for g in gaps]
            xs = [xx for xx, g in zip(x, gap_rel) if g is not None]
            ag.plot(xs, [g for g in gap_rel if g is not None], "o-", color=col, markersize=3.5, linewidth=1.3,
                    label=lab)
            if s is stages[-1]:  # the configuration's own gap: the last stage's last step
                ag.text(x[-1], 1.3, "gap %.4f eV" % gaps[-1], color=col, fontsize=8, va="bottom", ha="right")
        uphill = [xx for xx, r in zip(x, rows) if "uphill" in r[4]]
        if uphill:
            ae.plot(uphill, [de[list(x).index(u)] for u in uphill], "x", color="black", markersize=7,
                    label="uphill step, retried shorter")
        if x0 > 0:
            for ax in axes:
                ax.axvline(x0 + 0.5, color="#777777", linewidth=0.8, linestyle=":")
        rec.append({"stage": s["stage"], "ecut_ha": s["ecut_ha"], "fmax_ev_ang": s["fmax_ev_ang"],
                    "source": s["source"],
                    "x": [int(v) for v in x], "step": [r[0] for r in rows], "energy_ev": [r[1] for r in rows],
                    "energy_rel_mev": [float(v) for v in de], "max_force_ev_ang": [r[2] for r in rows],
                    "scf_iterations": [r[3] for r in rows], "gap_ev": list(gaps), "gap_rel_mev": gap_rel})
        x0 += len(rows)
    ae.set_yscale("symlog", linthresh=1.0)
    allde = [v for r in rec for v in r["energy_rel_mev"]]
    ae.set_ylim(min(-0.5, 3.0 * min(allde)), max(10.0, 3.0 * max(allde)))
    ae.set_ylabel("E − E(last step of its stage)\n(meV per cell; symlog,\nlinear within ±1 meV)", fontsize=9)
    af.set_yscale("log")
    af.set_ylabel("max |F| (eV/Å)\n(log; dashed: fmax)", fontsize=9)
    asc.set_ylabel("SCF iterations\nper ionic step", fontsize=9)
    if ag is not None:
        ag.set_yscale("symlog", linthresh=1.0)
        ag.axhspan(-1.0, 1.0, color="#f2f2f2", zorder=0)
        ag.set_ylabel("gap − gap(last step\nof its stage) (meV;\nsymlog; shaded ±1 meV)", fontsize=9)
    asc.set_xlabel("ionic step" + (" (prerelax and its corrected rounds, then the main stage;\neach stage's energy and gap "
                                   "relative to its own last step, as the cutoffs differ)" if len(stages) > 1 else ""),
                   fontsize=8.5 if len(stages) > 1 else 10)
    for ax in axes:
        ax.grid(color="#eeeeee", linewidth=0.6)
        ax.set_axisbelow(True)
    from matplotlib.ticker import MaxNLocator
    asc.xaxis.set_major_locator(MaxNLocator(integer=True))
    ae.legend(fontsize=8, loc="upper right")
    tot = sum(sum(r["scf_iterations"]) for r in rec)
    fig.suptitle("Relaxation of %s (%s): %s; %d SCF iterations in all" %
                 (name, status, ", ".join("%s %d steps" % (r["stage"], len(r["x"])) for r in rec), tot), fontsize=10.5)
    fig.subplots_adjust(left=0.14, right=0.97, top=0.94, bottom=0.07, hspace=0.12)  # fixed: tight_layout is slow
    return fig, {"stages": rec}


ELEMENT_COLOURS = {"Cs": "#8a4fbf", "Pb": "#4d4d5c", "Br": "#a62929", "Cl": "#2fa84f", "I": "#6a1b9a",
                   "F": "#9bd36a", "Sn": "#7f8c8d", "Rb": "#b565a7", "K": "#8f40d4", "Na": "#ab5cf2"}


def structure_figure(name, c, cdir, scandir, plan_cfg):
    """The atom nearest to ranking.json's final_frac in final.cif and its neighbours within 4 angstrom.

    ranking.json's final_frac is taken after the scan removed a rigid drift of the cell (the mean
    displacement, from initial.cif, of the atoms other than the placed interstitial: src/scan/classify.c);
    the same drift is removed from final.cif here before the nearest atom is picked."""
    import ase.io
    import numpy as np
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle
    from ase.data import covalent_radii, atomic_numbers

    fpath = os.path.join(cdir, "final.cif")
    try:
        atoms = ase.io.read(fpath)
    except Exception as e:
        raise RuntimeError("%s: cannot read (%s%s)" % (fpath, type(e).__name__, ": %s" % e if str(e) else ""))
    frac = atoms.get_scaled_positions(wrap=False)
    cell = np.array(atoms.cell)
    drift = np.zeros(3)
    ini_path = os.path.join(cdir, "initial.cif")
    placed = (plan_cfg or {}).get("interstitial_atom")  # 1-based in plan.json
    if os.path.isfile(ini_path):
        ini = ase.io.read(ini_path).get_scaled_positions(wrap=False)
        if len(ini) == len(frac):
            d = frac - ini
            d -= np.round(d)
            keep = [i for i in range(len(d)) if placed is None or i != placed - 1]
            drift = d[keep].mean(axis=0) if placed is not None else np.median(d, axis=0)
    frac = frac - drift
    target = np.array(c["final_frac"], dtype=float)

    def mic(df):
        df = df - np.round(df)
        return df @ cell

    dists = np.linalg.norm(mic(frac - target), axis=1)
    ia = int(np.argmin(dists))
    centre = frac[ia]
    # neighbours: every periodic image within NEIGHBOUR_RADIUS of the interstitial
    inv_heights = np.linalg.norm(np.linalg.inv(cell), axis=0)
    nimg = [int(math.ceil(NEIGHBOUR_RADIUS * h)) for h in inv_heights]
    neigh = []
    for a in range(len(atoms)):
        base = frac[a] - centre
        base -= np.round(base)
        for i in range(-nimg[0], nimg[0] + 1):
            for j2 in range(-nimg[1], nimg[1] + 1):
                for k in range(-nimg[2], nimg[2] + 1):
                    if a == ia and i == j2 == k == 0:
                        continue
                    r = (base + (i, j2, k)) @ cell
                    d = float(np.linalg.norm(r))
                    if d <= NEIGHBOUR_RADIUS:
                        neigh.append((d, a, r))
    neigh.sort(key=lambda t: (t[0], t[1]))
    syms = atoms.get_chemical_symbols()
    # the vacancy of a Frenkel pair: the host position of the atom that was moved (plan.json, host.cif)
    vac = None
    if plan_cfg and plan_cfg.get("vacancy") and os.path.isfile(os.path.join(scandir, "host.cif")):
        try:
            h = ase.io.read(os.path.join(scandir, "host.cif"))
            v = int(plan_cfg["vacancy"]) - 1
            if 0 <= v < len(h):
                dv = h.get_scaled_positions(wrap=False)[v] - centre
                rv = mic(dv)
                vac = (float(np.linalg.norm(rv)), rv)
        except Exception as e:
            warn("%s: vacancy not drawn: %s" % (name, e))

    fig = plt.figure(figsize=(11.5, 5.4))
    gs = fig.add_gridspec(1, 3, width_ratios=[1, 1, 0.72])
    views = [("view along z (x right, y up)", 0, 1, 2), ("view along x (y right, z up)", 1, 2, 0)]
    lim = NEIGHBOUR_RADIUS + 1.6
    for vi, (title, h_ax, v_ax, d_ax) in enumerate(views):
        ax = fig.add_subplot(gs[0, vi])
        items = [(0.0, ia, np.zeros(3), 0)] + [(d, a, r, n + 1) for n, (d, a, r) in enumerate(neigh)]
        items.sort(key=lambda t: t[2][d_ax])  # far (most negative along the view) first
        for d, a, r, num in items:
            sym = syms[a]
            rad = 0.42 * covalent_radii[atomic_numbers.get(sym, 0)]
            col = ELEMENT_COLOURS.get(sym, "#999999")
            if num == 0:
                # always on top, whatever lies in front of it along the view
                ax.add_patch(Circle((r[h_ax], r[v_ax]), rad * 1.05, facecolor=col, edgecolor="#ffd700", linewidth=3.5,
                                    zorder=50))
                ax.text(r[h_ax], r[v_ax], sym + "ᵢ", ha="center", va="center", fontsize=9, color="white",
                        fontweight="bold", zorder=51)
            else:
                ax.add_patch(Circle((r[h_ax], r[v_ax]), rad, facecolor=col, edgecolor="black", linewidth=0.7,
                                    alpha=0.9, zorder=10 + r[d_ax]))
                ax.text(r[h_ax], r[v_ax], str(num), ha="center", va="center", fontsize=7.5, color="white",
                        zorder=10 + r[d_ax] + 0.01)
                if d < 3.6:
                    ax.plot([0, r[h_ax]], [0, r[v_ax]], color="#cccccc", linewidth=0.7, zorder=1)
        if vac is not None and vac[0] <= lim * 1.2:
            rv = vac[1]
            ax.add_patch(Circle((rv[h_ax], rv[v_ax]), 0.55, facecolor="none", edgecolor="black", linestyle="--",
                                linewidth=1.3, zorder=60))
            ax.text(rv[h_ax] + 0.45, rv[v_ax] - 0.45, "vacancy", fontsize=8, zorder=60, va="top",
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=0.5))
        ax.add_patch(Circle((0, 0), NEIGHBOUR_RADIUS, facecolor="none", edgecolor="#bbbbbb", linestyle=":", zorder=0))
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=9.5)
        ax.set_xlabel("%s (Å, from the interstitial)" % "xyz"[h_ax], fontsize=9)
        ax.set_ylabel("%s (Å)" % "xyz"[v_ax], fontsize=9)
        ax.tick_params(labelsize=8)
    ax = fig.add_subplot(gs[0, 2])
    ax.axis("off")
    lines = ["interstitial: atom %d (%s)" % (ia + 1, syms[ia]),
             "frac %.3f %.3f %.3f" % tuple(target),
             "status: %s%s" % (c["status"], (" — " + c["detail"]) if c["detail"] else ""),
             "", "neighbours within %.0f Å:" % NEIGHBOUR_RADIUS]
    lines = [textwrap.fill(l, 36, subsequent_indent="  ") for l in lines]
    shown = neigh[:24]
    for n, (d, a, r) in enumerate(shown):
        lines.append("%3d  %-2s  atom %-3d %6.3f Å" % (n + 1, syms[a], a + 1, d))
    if len(neigh) > len(shown):
        lines.append("  … %d more" % (len(neigh) - len(shown)))
    if vac is not None:
        lines += ["", "vacancy (host.cif atom %d): %.3f Å" % (int(plan_cfg["vacancy"]), vac[0])]
    ax.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", family="monospace", fontsize=7.8, transform=ax.transAxes)
    from matplotlib.lines import Line2D
    present = [syms[ia]] + [syms[a] for d, a, r in neigh]
    handles = [Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor=syms_col, markeredgecolor="black",
                      label=sym) for sym, syms_col in
               ((e, ELEMENT_COLOURS.get(e, "#999999")) for e in sorted(set(present), key=present.index))]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=10, markerfacecolor=ELEMENT_COLOURS.get(
        syms[ia], "#999999"), markeredgecolor="#ffd700", markeredgewidth=3, label="the interstitial"))
    if vac is not None:
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=10, markerfacecolor="none",
                              markeredgecolor="black", label="the vacancy (host site)"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False, title="numbers: the table above",
              title_fontsize=8)
    fig.suptitle("%s: the interstitial (gold ring) and its neighbours in final.cif" % name, fontsize=11)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.86, bottom=0.11, wspace=0.28)
    return fig, {"interstitial_atom": ia + 1, "symbol": syms[ia], "final_frac": [float(v) for v in target],
                 "distance_to_final_frac_ang": float(dists[ia]),
                 "neighbours": [{"atom": a + 1, "symbol": syms[a], "distance_ang": d} for d, a, r in neigh],
                 "vacancy_distance_ang": vac[0] if vac is not None else None}


class Skip(Exception):
    """Nothing to draw (not an error): said on stderr, the exit status stays 0."""


def relax_task(name, status, cdir):
    stages = relaxation(cdir)
    if not stages:
        raise Skip("%s: no ionic steps in relax.log or trajectory.extxyz" % cdir)
    return relax_figure(name, status, stages)


def run_task(task):
    """One figure, built and saved (in a worker process when --jobs > 1): (data, paths written, failed)."""
    import matplotlib.pyplot as plt
    key, builder, a, outdir, formats = task
    w = Writer(outdir, formats)
    try:
        fig, data = globals()[builder](*a)
        data["files"] = w.figure(fig, key)
        return data, w.written, False
    except Skip as e:
        warn("%s: no %s" % (e, key))
        return None, w.written, False
    except Exception as e:
        plt.close("all")
        warn("%s: not made: %s: %s" % (key, type(e).__name__, e))
        return None, w.written, True


# --------------------------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("dir", metavar="DIR", help="output directory of 'anionscan scan'")
    ap.add_argument("-o", "--outdir", metavar="OUTDIR", help="where the figures go (default DIR/figures)")
    ap.add_argument("--formats", default="png,pdf", help="comma-separated image formats (default png,pdf)")
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="figures drawn in parallel (default: the CPUs, at most 4)")
    args = ap.parse_args(argv)
    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if not formats or bad:
        print("%s: --formats: %s (png, pdf, svg)" % (PROG, "unknown format " + ", ".join(bad) if bad else "empty"),
              file=sys.stderr)
        return 2
    try:
        rpath, j = load_ranking(args.dir)
    except BadInput as e:
        warn(str(e))
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        warn("needs matplotlib and numpy (%s); Debian: apt-get install python3-matplotlib" % e)
        return 2
    try:
        import ase.io  # noqa: F401
        have_ase = True
    except ImportError:
        have_ase = False
        warn("no ASE: the structure figures are left out")
    matplotlib.rcParams.update({"font.size": 10, "svg.hashsalt": "anionscan",
                                "hatch.linewidth": 0.7})
    outdir = args.outdir or os.path.join(args.dir, "figures")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        warn("%s: cannot create: %s" % (outdir, e.strerror or e))
        return 2
    w = Writer(outdir, formats)
    plans = {}

    def plan_of(scan, name):
        if scan is None:
            return None
        if scan not in plans:
            pj = read_json_opt(os.path.join(scan, "plan.json")) or {}
            plans[scan] = {p.get("name"): p for p in pj.get("configurations", []) if isinstance(p, dict)}
        return plans[scan].get(name)
    out = {"schema": "anionscan-figures/1", "ranking": os.path.abspath(rpath), "temperature_K": j["temperature_K"],
           "sign_convention": j["sign_convention"], "formats": formats, "figures": {}}
    status = 0

    figs = out["figures"]
    figs["relax"], figs["structure"] = {}, {}
    # the tasks: (where in figures.json, file stem, builder, its arguments)
    tasks = [(("fig3_energy_gap",), "fig3_energy_gap", "fig3", (j,)),
             (("energy_vs_dgap",), "energy_vs_dgap", "scatter", (j,)),
             (("populations",), "populations", "populations", (j,))]
    where = config_dirs(args.dir, j)
    used = set()
    for fam in j["families"]:
        for c in fam["configurations"]:
            name = c["name"]
            stem = file_stem(name, used)
            if name not in where:
                warn("%s: no directory of its relaxation (neither %s nor a source of the ranking): no relax_%s, "
                     "structure_%s" % (name, os.path.join(args.dir, "configs", name), stem, stem))
                continue
            cdir, scan = where[name]
            tasks.append((("relax", name), "relax_" + stem, "relax_task", (name, c["status"], cdir)))
            if not have_ase:
                continue
            ff = c.get("final_frac")
            if not (isinstance(ff, list) and len(ff) == 3 and all(isinstance(v, (int, float)) for v in ff)):
                warn("%s: ranking.json gives no final_frac (a plain run: no interstitial known): no structure_%s"
                     % (name, stem))
                continue
            if not os.path.isfile(os.path.join(cdir, "final.cif")):
                warn("%s: no final.cif: no structure_%s" % (cdir, stem))
                continue
            tasks.append((("structure", name), "structure_" + stem, "structure_figure",
                          (name, c, cdir, scan, plan_of(scan, name))))
    jobs = max(1, min(args.jobs, len(tasks)))
    if jobs > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(run_task, [(t[1], t[2], t[3], outdir, formats) for t in tasks], chunksize=1)
    else:
        results = [run_task((t[1], t[2], t[3], outdir, formats)) for t in tasks]
    for (slot, _, _, _), (data, paths, err) in zip(tasks, results):
        w.written.extend(paths)
        if err:
            status = 1
        if data is None:
            continue
        if len(slot) == 1:
            figs[slot[0]] = data
        else:
            figs[slot[0]][slot[1]] = data
    try:
        w.json(out, "figures.json")
    except (OSError, ValueError) as e:
        warn("%s: cannot write figures.json: %s" % (outdir, e))
        status = 1
    for p in w.written:
        print(p)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
