"""Communication-subspace figures (docs/ANALYSES.md §7): per ordered region pair, the
cross-validated performance against the rank of the reduced-rank map, mean ± SEM over folds,
for the source predicting the target and for the within-area control, with the ridge
reference as a horizontal line and the optimal dimensions marked; and the optimal dimensions of
every session side by side."""
import matplotlib.pyplot as plt
import numpy as np

from report_common import (OKABE_ITO, array, attrs, describe_params, grid, legend_below, scalar,
                           short_labels, text)

SECTION = "Interactions between regions"


def pairs(f):
    """{pair name: [(session key, subject, group)]} of /sessions/<s>/interactions, sorted."""
    out = {}
    for session, sg in (f["sessions"].items() if "sessions" in f else []):
        ig = sg.get("interactions")
        if ig is None or "region" in ig.attrs:  # a population group that happens to be so named
            continue
        for pair, g in ig.items():
            out.setdefault(pair, []).append((session, text(g.attrs.get("subject", "")), g))
    return dict(sorted(out.items()))


def curve(ax, g, colour, label):
    rank = array(g, "rank")
    mean = array(g, "mean_performance")
    sem = array(g, "sem")
    if rank is None or mean is None or sem is None:
        return None
    ax.errorbar(rank, mean, yerr=sem, fmt="-o", color=colour, ms=2.5, lw=1, capsize=1.5,
                label=label)
    opt = scalar(g, "optimal_dimension")
    if opt is not None:
        ax.plot([opt], [mean[int(opt)]], marker="*", ms=9, color=colour, ls="none",
                markeredgecolor="k", markeredgewidth=0.4)
    return opt


def interactions(report, f, wanted):
    for pair, rows in pairs(f).items():
        source, target = (text(rows[0][2].attrs.get(k, "")) for k in ("source", "target"))
        if wanted and source not in wanted and target not in wanted:
            continue
        fig, axes = grid(len(rows), panel_w=2.8, panel_h=2.3)
        titles, common = short_labels([r[0] for r in rows])
        params, dims = [], []
        for ax, (session, subject, g), title in zip(axes, rows, titles):
            params.append(attrs(g))
            between = curve(ax, g, OKABE_ITO[3], f"{source} → {target}")
            within = None
            if "within_area" in g:
                within = curve(ax, g["within_area"], OKABE_ITO[0], f"within {target}")
            ridge = scalar(g.get("ridge"), "selected_performance")
            if ridge is not None:
                ax.axhline(ridge, color=OKABE_ITO[2], ls="--", lw=1,
                           label="ridge (full rank, λ by one-SEM rule)")
            ax.axhline(0, color="0.7", lw=0.6)
            p = scalar(g.get("null"), "p_value")
            extra = f", p={p:.3g}" if p is not None else ""
            ax.set_title(f"{title}: dim {between:.0f}"
                         + (f", within {within:.0f}" if within is not None else "") + extra)
            ax.set(xlabel="rank of the map", ylabel="CV performance (1 − NSE)")
            ax.xaxis.get_major_locator().set_params(integer=True)
            dims.append((between, within))
        legend_below(fig, axes[0])
        fig.suptitle(f"{source} → {target}: communication subspace")
        report.save(fig, f"interactions_{pair}", SECTION,
                    f"{source} → {target}: performance vs rank",
                    f"Cross-validated performance (1 − normalised squared error, mean ± SEM over "
                    f"folds) of the reduced-rank regression of {target}'s single-trial counts on "
                    f"{source}'s (blue) and, as the within-area control, of one group of "
                    f"{target}'s units on another of {source}'s size (orange), against the rank "
                    f"of the map; stars mark the optimal dimensions (smallest rank within one "
                    f"SEM of the peak), the dashed line the full-rank ridge reference. One panel "
                    f"per session" + (f" (titles drop the common prefix '{common}')"
                                      if common else "")
                    + "; p is the permutation p-value of the peak. Parameters: "
                    f"{describe_params(params, skip=('description', 'session', 'identifier', 'subject', 'file', 'source', 'target', 'seed', 'n_trials', 'n_source_units', 'n_target_units'))}.")
    summary_figure(report, f, wanted)


def summary_figure(report, f, wanted):
    """Optimal dimension between areas and within the target, per pair: sessions as dots, the
    mean over animals with its bootstrap CI as a bar."""
    g = f.get("summary/interactions")
    if g is None or len(g) == 0:
        return
    names = [n for n in sorted(g) if not wanted or text(g[n].attrs.get("source", "")) in wanted
             or text(g[n].attrs.get("target", "")) in wanted]
    if not names:
        return
    fig, ax = plt.subplots(figsize=(max(3.5, 1.3 * len(names) + 1.5), 3.0),
                           constrained_layout=True)
    rng = np.random.default_rng(0)  # jitter only
    for i, name in enumerate(names):
        s = g[name]
        for j, (prefix, colour, label) in enumerate([("", OKABE_ITO[3], "between areas"),
                                                     ("within_area_", OKABE_ITO[0],
                                                      "within target")]):
            values = array(s, prefix + "optimal_dimension")
            if values is None:
                continue
            x = i + (j - 0.5) * 0.34
            ax.scatter(x + rng.uniform(-0.06, 0.06, len(values)), values, s=12, color=colour,
                       edgecolors="none", label=label if i == 0 else None)
            mean = scalar(s, prefix + "animal_mean_optimal_dimension")
            lo, hi = scalar(s, prefix + "ci_low"), scalar(s, prefix + "ci_high")
            if mean is not None and lo is not None and hi is not None:
                ax.errorbar([x], [mean], yerr=[[mean - lo], [hi - mean]], fmt="s", color="k",
                            ms=3, capsize=3, lw=1)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([n.replace("__", " → ") for n in names], rotation=20, ha="right")
    ax.set(ylabel="optimal dimension", title="communication subspace across sessions")
    ax.legend(frameon=False)
    report.save(fig, "interactions_summary", SECTION, "optimal dimensions across sessions",
                "Optimal dimension of each session's communication subspace (dots; blue: source "
                "predicting target, orange: within the target), and the mean over animals with "
                "its 95% bootstrap interval resampling animals (black), per ordered region pair "
                "(/summary/interactions).")
