"""Decoding figures: accuracy over time with chance, the permutation null's 95% band and the
significant bins; temporal generalisation heatmaps with the event marked at 0."""
import matplotlib.pyplot as plt
import matplotlib.transforms as mtransforms
import numpy as np

from report_common import (OKABE_ITO, SEQUENTIAL, array, attrs, counts_text, describe_params, grid,
                           labels, legend, legend_below, scalar, session_colours, short_labels,
                           shown)

SECTION = "Decoding"
ALPHA = 0.05
SKIP = ("description", "target")


def targets(pops):
    names = []
    for p in pops:
        if "decode" in p.group:
            for t in p.group["decode"]:
                if t not in names:
                    names.append(t)
    return names


class Scores:
    """The time course of one decode group, classification or ridge alike."""

    def __init__(self, g):
        self.ridge = "r2" in g and "accuracy" not in g
        self.name = "r2" if self.ridge else "accuracy"
        self.ylabel = "R² (cross-validated)" if self.ridge else "accuracy (fraction correct)"
        self.time = np.asarray(array(g, "time"), dtype=float)
        self.start = array(g, "time_start")
        self.stop = array(g, "time_stop")
        self.names = labels(g, "time_names")
        self.windows = attrs(g).get("time_mode") == "windows"
        self.score = np.asarray(array(g, self.name), dtype=float)
        ba = array(g, "balanced_accuracy")
        self.balanced = None if ba is None else np.asarray(ba, dtype=float)
        c = scalar(g, "chance")
        self.chance = 0.0 if self.ridge else c
        null = array(g, "null_r2" if self.ridge else "null_accuracy")
        self.null = None if null is None or np.size(null) == 0 else np.asarray(null, dtype=float)
        # A pooled analysis tests the mean over resamples against its own null: p_<score>.
        p = array(g, "p_" + self.name) if "p_" + self.name in g else array(g, "p_value")
        self.p = None if p is None else np.asarray(p, dtype=float)
        sd = g.get(self.name + "_sd")
        self.sd = None if sd is None else np.asarray(sd[()], dtype=float)
        gen = array(g, "generalization")
        self.generalization = None if gen is None else np.asarray(gen, dtype=float)


def draw_time_course(ax, s, report):
    windows = s.windows and s.start is not None
    if s.null is not None:
        lo, hi = np.percentile(s.null, [2.5, 97.5], axis=0)
        if windows:  # one box per window: windows need not be contiguous or evenly spaced
            for i, (a, b) in enumerate(zip(np.asarray(s.start, float), np.asarray(s.stop, float))):
                ax.fill_between([a, b], lo[i], hi[i], color="0.75", alpha=0.6, lw=0,
                                label="null 95%" if i == 0 else None)
        else:
            ax.fill_between(s.time, lo, hi, color="0.75", alpha=0.6, lw=0, step="mid",
                            label="null 95%")
    sd = s.sd if s.sd is not None and s.sd.shape == s.score.shape and np.isfinite(
        s.sd).any() else None
    if sd is not None and not windows:
        ax.fill_between(s.time, s.score - sd, s.score + sd, color=OKABE_ITO[1], alpha=0.35,
                        lw=0, label="± 1 s.d. over resamples")
    if windows:
        err = [s.time - np.asarray(s.start, float), np.asarray(s.stop, float) - s.time]
        ax.errorbar(s.time, s.score, xerr=err, fmt="o", color=OKABE_ITO[3], ms=3, lw=1,
                    label=s.name)
        if sd is not None:
            ax.errorbar(s.time, s.score, yerr=sd, fmt="none", ecolor=OKABE_ITO[1], capsize=3,
                        lw=1.2, label="± 1 s.d. over resamples")
    else:
        ax.plot(s.time, s.score, "-", color=OKABE_ITO[3], lw=1.3, label=s.name)
    if s.balanced is not None:
        ax.plot(s.time, s.balanced, "x" if windows else "--", color=OKABE_ITO[0], lw=1,
                label="balanced accuracy")
    if s.chance is not None:
        ax.axhline(s.chance, color="k", ls=":", lw=0.9, label="R² = 0" if s.ridge else "chance")
    ax.axvline(0, color="0.4", lw=0.8)
    if s.p is not None:
        sig = s.p < ALPHA
        if sig.any():
            top = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
            ax.plot(s.time[sig], np.full(sig.sum(), 0.97), "v", color=OKABE_ITO[4], ms=3.5,
                    transform=top, label=f"p < {ALPHA}", clip_on=False)
    ax.set(xlabel=report.time_label, ylabel=s.ylabel)


def time_courses(report, region, target, pops, prefix):
    have = [p for p in pops if f"decode/{target}" in p.group]
    groups = [p.group[f"decode/{target}"] for p in have]
    scores = [Scores(g) for g in groups]
    params = [attrs(g) for g in groups]
    name = params[0].get("target", target)
    fig, axes = grid(len(have), panel_w=2.8, panel_h=2.2)
    titles, common = short_labels([p.label for p in have])
    lo = min(min(np.nanmin(s.score), s.chance if s.chance is not None else np.inf)
             for s in scores)
    hi = max(np.nanmax(s.score) for s in scores)
    for ax, s, title in zip(axes, scores, titles):
        draw_time_course(ax, s, report)
        if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
            pad = 0.08 * (hi - lo)
            ax.set_ylim(lo - pad, hi + 2 * pad)
        ax.set_title(title)
    legend_below(fig, max(axes, key=lambda a: len(a.get_legend_handles_labels()[0])))
    fig.suptitle(f"{shown(prefix)}{region}: decoding {name}")
    p_note = ("significant bins (p < 0.05, permutation test) marked at the top" if any(
        s.p is not None for s in scores) else "no permutation null in the file")
    report.save(fig, f"{prefix}decoding_{region}_{target}_accuracy", SECTION,
                f"{shown(prefix)}{region}: decoding {name} over time",
                f"Cross-validated {scores[0].name} of decoding '{name}' in each time bin, one "
                f"panel per population: chance level dotted, the grey band the 2.5–97.5 "
                f"percentiles of the label-permutation null, {p_note}; the event is at 0. "
                + (f"Panel titles drop the common prefix '{common}'. " if common else "")
                + f"{counts_text(have)}. Parameters: {describe_params(params, skip=SKIP)}.")
    if len(have) > 1:
        overview(report, region, target, name, have, scores, params, prefix)


def overview(report, region, target, name, pops, scores, params, prefix):
    fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
    for s, colour in zip(scores, session_colours(len(scores))):
        ax.plot(s.time, s.score, "o-" if s.windows else "-", color=colour, lw=0.7, ms=2.5,
                alpha=0.7)
    same_time = all(len(s.time) == len(scores[0].time) for s in scores)
    if same_time:
        ax.plot(scores[0].time, np.nanmean([s.score for s in scores], axis=0), "k-", lw=2,
                label=f"mean of {len(scores)}")
    chances = sorted({s.chance for s in scores if s.chance is not None})
    for c in chances:
        ax.axhline(c, color="k", ls=":", lw=0.9)
    ax.axvline(0, color="0.4", lw=0.8)
    ax.set(xlabel=report.time_label, ylabel=scores[0].ylabel,
           title=f"{shown(prefix)}{region}: decoding {name}, every population")
    legend(ax, frameon=False)
    sm = plt.cm.ScalarMappable(cmap=SEQUENTIAL, norm=plt.Normalize(1, len(scores)))
    fig.colorbar(sm, ax=ax, label="population (order of the panels)", shrink=0.8)
    report.save(fig, f"{prefix}decoding_{region}_{target}_overview", SECTION,
                f"{shown(prefix)}{region}: decoding {name}, all populations",
                f"The {scores[0].name} time course of every population on one axis (colour: "
                f"position in the per-population figure), black the mean, dotted chance "
                + ("levels" if len(chances) > 1 else "level")
                + f". {counts_text(pops)}. Parameters: {describe_params(params, skip=SKIP)}.")


def generalization(report, region, target, pops, prefix):
    have = [p for p in pops if f"decode/{target}" in p.group
            and "generalization" in p.group[f"decode/{target}"]]
    if not have:
        return
    scores = [Scores(p.group[f"decode/{target}"]) for p in have]
    params = [attrs(p.group[f"decode/{target}"]) for p in have]
    name = params[0].get("target", target)
    vmin = min(np.nanmin(s.generalization) for s in scores)
    vmax = max(np.nanmax(s.generalization) for s in scores)
    fig, axes = grid(len(have), panel_w=2.6, panel_h=2.3, wspace=0.8)  # room for row labels
    titles, common = short_labels([p.label for p in have])
    image = None
    for ax, s, title in zip(axes, scores, titles):
        if s.windows or s.start is None:
            n = len(s.time)
            image = ax.imshow(s.generalization, origin="lower", cmap=SEQUENTIAL, vmin=vmin,
                              vmax=vmax, aspect="auto")
            ticks = list(range(n))
            names = s.names or [f"{t:.2f}" for t in s.time]
            if s.start is not None and len(names) == n:  # where each window sits around 0
                names = [f"{m}\n[{a:g}, {b:g}) s" for m, a, b in zip(names, s.start, s.stop)]
            ax.set_xticks(ticks)
            ax.set_xticklabels(names, rotation=90 if n > 4 else 0, fontsize=6)
            ax.set_yticks(ticks)
            ax.set_yticklabels(names, fontsize=6)
            ax.set(xlabel="test window", ylabel="train window")
        else:
            start, stop = np.asarray(s.start, float), np.asarray(s.stop, float)
            extent = [start[0], stop[-1], start[0], stop[-1]]
            image = ax.imshow(s.generalization, origin="lower", cmap=SEQUENTIAL, vmin=vmin,
                              vmax=vmax, extent=extent, aspect="equal")
            for line in (ax.axvline, ax.axhline):
                line(0, color="w", ls="--", lw=0.9)
            ax.plot(extent[:2], extent[:2], color="w", ls=":", lw=0.6)
            ax.set(xlabel=f"test {report.time_label}", ylabel=f"train {report.time_label}")
        ax.set_title(title)
    fig.colorbar(image, ax=axes, shrink=0.7, label=scores[0].ylabel)
    fig.suptitle(f"{shown(prefix)}{region}: temporal generalisation of {name}")
    report.save(fig, f"{prefix}decoding_{region}_{target}_generalization", SECTION,
                f"{shown(prefix)}{region}: temporal generalisation of {name}",
                f"{scores[0].name.capitalize()} of a decoder trained at one time (rows) and tested "
                f"at another (columns) on held-out trials (King & Dehaene 2014), one panel per "
                f"population, shared colour scale; dashed white lines mark the event at 0, "
                f"dotted the diagonal. "
                + (f"Panel titles drop the common prefix '{common}'. " if common else "")
                + f"{counts_text(have)}. Parameters: {describe_params(params, skip=SKIP)}.")


def decoding(report, region, pops, prefix=""):
    for target in targets(pops):
        time_courses(report, region, target, pops, prefix)
        generalization(report, region, target, pops, prefix)
