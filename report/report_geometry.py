"""Geometry figures: RDM heatmaps with condition labels and their 2-D classical MDS, model-RDM
comparison bars with p-values, few-shot predicted vs empirical error and error vs m."""
import h5py
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from report_common import (OKABE_ITO, SEQUENTIAL, array, attrs, counts_text, describe_params, grid,
                           labels, legend, session_colours, short_labels, shown, thin_ticks)

SECTION = "Geometry"
SKIP = ("description",)
RDM_ORDER = ["euclidean", "correlation", "crossnobis"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p"]


def sets_and_windows(pops):
    found = []
    for p in pops:
        if "geometry" not in p.group:
            continue
        for s, sg in p.group["geometry"].items():
            # A set's group also holds per-trial datasets (folds, conditions) beside its windows.
            for w, wg in sg.items():
                if isinstance(wg, h5py.Group) and (s, w) not in found:
                    found.append((s, w))
    return found


def rdm_kinds(groups):
    kinds = []
    for g in groups:
        for name in g:
            if (name.startswith("rdm_") and name != "rdm_names" and name[4:] not in kinds
                    and not name.endswith(("_mean", "_sd"))):
                kinds.append(name[4:])
    return sorted(kinds, key=lambda k: (RDM_ORDER.index(k) if k in RDM_ORDER else 99, k))


def aligned(groups, name):
    """Each population's [condition, condition] matrix placed on the sorted union of condition
    labels (NaN where a population lacks a condition); returns (labels, stack)."""
    union = sorted({c for g in groups for c in labels(g, "condition_labels")})
    index = {c: i for i, c in enumerate(union)}
    out = []
    for g in groups:
        m = array(g, name)
        if m is None:
            continue
        own = [index[c] for c in labels(g, "condition_labels")]
        full = np.full((len(union), len(union)), np.nan)
        full[np.ix_(own, own)] = np.asarray(m, dtype=float)
        out.append(full)
    return union, np.array(out)


def label_ticks(ax, names, axis="both", max_labels=40):
    n = len(names)
    ticks = thin_ticks(n, max_labels)
    size = 6 if n <= 24 else 5
    if axis in ("both", "x"):
        ax.set_xticks(ticks)
        ax.set_xticklabels([names[i] for i in ticks], rotation=90, fontsize=size)
    if axis in ("both", "y"):
        ax.set_yticks(ticks)
        ax.set_yticklabels([names[i] for i in ticks], fontsize=size)


def classical_mds(d2):
    """2-D classical (Torgerson) MDS treating every RDM entry as a squared distance."""
    n = d2.shape[0]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ d2 @ j
    w, v = np.linalg.eigh((b + b.T) / 2)
    order = np.argsort(w)[::-1][:2]
    return v[:, order] * np.sqrt(np.clip(w[order], 0, None))


def draw_mds(ax, d2, names):
    keep = [i for i in range(len(names)) if np.isfinite(d2[i]).sum() > 1]
    d = d2[np.ix_(keep, keep)].copy()
    np.fill_diagonal(d, 0.0)
    if len(keep) < 3 or not np.isfinite(d).all():
        ax.text(0.5, 0.5, "MDS needs 3 conditions with every distance", ha="center",
                transform=ax.transAxes)
        return
    xy = classical_mds(d)
    parts = [names[i].split("|") for i in keep]
    first = sorted({p[0] for p in parts})
    second = sorted({p[1] for p in parts if len(p) > 1})
    if len(first) <= len(OKABE_ITO) and len(second) <= len(MARKERS):
        # One scatter per marker (second label part), colours per point (first part).
        for marker_key in second or [None]:
            rows = [i for i, p in enumerate(parts)
                    if (p[1] if len(p) > 1 else None) == marker_key]
            ax.scatter(xy[rows, 0], xy[rows, 1], s=28,
                       c=[OKABE_ITO[first.index(parts[i][0])] for i in rows],
                       marker=MARKERS[second.index(marker_key)] if marker_key else "o",
                       edgecolors="k", linewidths=0.3)
        handles = [plt.Line2D([], [], ls="", marker="o", color=OKABE_ITO[i], label=f)
                   for i, f in enumerate(first)]
        handles += [plt.Line2D([], [], ls="", marker=MARKERS[i], color="0.4", label=s)
                    for i, s in enumerate(second)]
        ax.legend(handles=handles, frameon=False, fontsize=5.5, loc="center left",
                  bbox_to_anchor=(1.0, 0.5))
    else:
        ax.scatter(xy[:, 0], xy[:, 1], s=12, color=OKABE_ITO[3])
        for (x, y), i in zip(xy, keep):
            ax.annotate(names[i], (x, y), fontsize=5, xytext=(2, 2), textcoords="offset points")
    ax.set(xlabel="MDS dimension 1", ylabel="MDS dimension 2")
    ax.set_aspect("equal", adjustable="datalim")


def rdm_figure(report, title, name, pops, groups, kinds, params):
    fig, axes = plt.subplots(2, len(kinds), figsize=(4.6 * len(kinds), 8.4), squeeze=False,
                             constrained_layout=True)
    for col, kind in enumerate(kinds):
        names, stack = aligned(groups, f"rdm_{kind}")
        mean = np.nanmean(stack, axis=0) if len(stack) else np.full((1, 1), np.nan)
        ax = axes[0][col]
        image = ax.imshow(mean, cmap=SEQUENTIAL, interpolation="nearest")
        label_ticks(ax, names)
        unit = next((g[f"rdm_{kind}"].attrs.get("units", "") for g in groups
                     if f"rdm_{kind}" in g), "")
        unit = unit.decode() if isinstance(unit, bytes) else unit
        fig.colorbar(image, ax=ax, shrink=0.75,
                     label=f"{kind} distance" + (f" ({unit})" if unit and unit != "1" else ""))
        many = f", mean of {len(stack)}" if len(stack) > 1 else ""
        ax.set_title(f"{kind} RDM{many}")
        draw_mds(axes[1][col], mean, names)
        axes[1][col].set_title(f"{kind}: classical MDS")
    fig.suptitle(title)
    report.save(fig, name, SECTION, title,
                "Representational dissimilarity matrices of the condition means (rows and columns "
                "ordered by condition label; distances divided by the number of units), averaged "
                "over populations where there are several, and below each a 2-D classical MDS of "
                "that RDM (entries taken as squared distances; colour: first label part, marker: "
                f"second). {counts_text(pops)}. Parameters: {describe_params(params, skip=SKIP)}.")


def rdm_sessions(report, title, name, pops, groups, kind, params):
    names, stack = aligned(groups, f"rdm_{kind}")
    have = [p for p, g in zip(pops, groups) if f"rdm_{kind}" in g]
    finite = stack[np.isfinite(stack)]
    if len(have) < 2 or finite.size == 0:
        return
    vmin, vmax = np.percentile(finite, [2, 98])
    fig, axes = grid(len(have), panel_w=2.2, panel_h=2.2)
    titles, common = short_labels([p.label for p in have])
    image = None
    for ax, m, t in zip(axes, stack, titles):
        image = ax.imshow(m, cmap=SEQUENTIAL, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(t)
    label_ticks(axes[0], names, axis="y", max_labels=11)  # a small panel: every other label
    fig.colorbar(image, ax=axes, shrink=0.6, label=f"{kind} distance (2nd–98th percentile)")
    fig.suptitle(title)
    report.save(fig, name, SECTION, title,
                f"The {kind} RDM of each population on one colour scale (2nd to 98th percentile of "
                "all entries); conditions in the same label order as the labelled mean RDM "
                "(the first panel's rows name them, thinned to fit). "
                + (f"Panel titles drop the common prefix '{common}'. " if common else "")
                + f"{counts_text(have)}. Parameters: {describe_params(params, skip=SKIP)}.")


def models_figure(report, title, name, pops, groups, params):
    have = [(p, g) for p, g in zip(pops, groups) if "comparison" in g
            and len(labels(g, "model_names"))]
    if not have:
        return
    g0 = have[0][1]
    rdms, models, methods = (labels(g0, "rdm_names"), labels(g0, "model_names"),
                             labels(g0, "method_names"))
    values = np.array([np.asarray(array(g, "comparison"), float) for _, g in have])
    # A pooled analysis tests the mean over resamples against its own null: p_comparison.
    ps = np.array([np.asarray(array(g, "p_comparison"), float) if "p_comparison" in g
                   else np.asarray(array(g, "comparison_p"), float) if "comparison_p" in g
                   else np.full(values.shape[1:], np.nan) for _, g in have])
    fig, axes = plt.subplots(1, len(rdms), figsize=(max(3.0, 0.45 * len(models) * len(methods)
                                                        + 1.0) * len(rdms) + 1.2, 3.6),
                             squeeze=False, constrained_layout=True, sharey=True)
    width = 0.8 / max(1, len(methods))
    for r, (ax, rdm) in enumerate(zip(axes[0], rdms)):
        for m, method in enumerate(methods):
            x = np.arange(len(models)) + (m - (len(methods) - 1) / 2) * width
            heights = np.nanmean(values[:, r, :, m], axis=0)
            ax.bar(x, heights, width * 0.9, color=OKABE_ITO[m % len(OKABE_ITO)], label=method)
            if len(have) > 1:
                for k in range(len(models)):
                    ax.scatter(np.full(len(have), x[k]), values[:, r, k, m], s=5, color="k",
                               zorder=3, alpha=0.6, edgecolors="none")
            for k in range(len(models)):
                p = ps[:, r, k, m]
                p = p[np.isfinite(p)]
                if not p.size:
                    continue
                combined = p[0] if p.size == 1 else stats.combine_pvalues(p, "fisher")[1]
                top = np.nanmax(np.append(values[:, r, k, m], heights[k]))
                ax.annotate(f"p={combined:.2g}" + ("*" if combined < 0.05 else ""),
                            (x[k], top), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", rotation=90, fontsize=5.5)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels(models, rotation=30 if len(models) > 3 else 0, ha="right"
                           if len(models) > 3 else "center")
        ax.set(title=f"{rdm} RDM vs models", ylabel="RDM–model similarity", xlabel="model RDM")
        ax.margins(y=0.25)
    legend(axes[0][-1], frameon=False, title="method", loc="upper left",
           bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title)
    several = len(have) > 1
    report.save(fig, name, SECTION, title,
                "Similarity of each measured RDM to each model RDM (upper triangles; Spearman, "
                "Kendall τa, cosine as configured), "
                + ("bars the mean over populations with one dot per population, p the Fisher "
                   "combination of the populations' condition-label permutation p-values"
                   if several else "p from the condition-label permutation test")
                + " (* p < 0.05; none shown when the run had no permutations). "
                f"{counts_text([p for p, _ in have])}. Parameters: "
                f"{describe_params(params, skip=SKIP)}.")


def fewshot_figure(report, title, name, pops, groups):
    have = [(p, g["manifold"]) for p, g in zip(pops, groups) if "manifold" in g
            and "predicted_error" in g["manifold"] and "empirical_error" in g["manifold"]]
    if not have:
        return
    shots = np.asarray(array(have[0][1], "shots"), dtype=float)
    if shots.ndim > 1:  # stacked over resamples (/pseudo): the same shots in every row
        shots = shots[0]
    colours = session_colours(len(shots))
    fig, (ax_s, ax_m) = plt.subplots(1, 2, figsize=(8.4, 3.8), constrained_layout=True)
    per_pop = {"predicted": [], "empirical": []}
    biggest = 0.0
    for _, m in have:
        pred = np.asarray(array(m, "predicted_error"), float)
        emp = np.asarray(array(m, "empirical_error"), float)
        off = ~np.eye(pred.shape[0], dtype=bool)
        for k in range(min(len(shots), pred.shape[2])):
            a, b = pred[:, :, k][off], emp[:, :, k][off]
            ok = np.isfinite(a) & np.isfinite(b)
            ax_s.scatter(b[ok], a[ok], s=6, color=colours[k], alpha=0.6, edgecolors="none")
            if ok.any():
                biggest = max(biggest, a[ok].max(), b[ok].max())
        per_pop["predicted"].append([np.nanmean(pred[:, :, k][off]) for k in range(len(shots))])
        per_pop["empirical"].append([np.nanmean(emp[:, :, k][off]) for k in range(len(shots))])
    lim = max(0.05, min(1.0, biggest * 1.05))
    ax_s.plot([0, lim], [0, lim], "k--", lw=0.8, label="identity")
    for k, m in enumerate(shots):
        ax_s.scatter([], [], s=12, color=colours[k], label=f"m = {int(m)}")
    ax_s.set(xlim=(0, lim), ylim=(0, lim), xlabel="empirical m-shot error",
             ylabel="predicted m-shot error H(SNR)", title="predicted vs empirical")
    ax_s.set_aspect("equal")
    legend(ax_s, frameon=False, fontsize=6)
    for key, style, colour in [("empirical", "o-", OKABE_ITO[3]),
                               ("predicted", "s--", OKABE_ITO[4])]:
        v = np.array(per_pop[key])
        mean = np.nanmean(v, axis=0)
        ax_m.plot(shots, mean, style, color=colour, lw=1.3, ms=4, label=key)
        if len(v) > 1:
            sem = np.nanstd(v, axis=0, ddof=1) / np.sqrt(np.sum(np.isfinite(v), axis=0))
            ax_m.fill_between(shots, mean - sem, mean + sem, color=colour, alpha=0.2, lw=0)
    ax_m.set_xscale("log")
    ax_m.set_xticks(shots)
    ax_m.set_xticklabels([str(int(m)) for m in shots])
    ax_m.set(xlabel="training examples per class m", ylabel="mean error over condition pairs",
             title="error vs m", ylim=(0, None))
    legend(ax_m, frameon=False)
    fig.suptitle(title)
    report.save(fig, name, SECTION, title,
                "Few-shot prototype learning (Sorscher, Ganguli & Sompolinsky 2022): left, the "
                "predicted error H(SNR) of every ordered condition pair (a, b) against the "
                "empirical m-shot error over random episodes, colour by m, dashed the identity; "
                "right, both averaged over pairs as m grows"
                + (", band ± 1 s.e.m. over populations" if len(have) > 1 else "")
                + f". {counts_text([p for p, _ in have])}.")


def geometry(report, region, pops, prefix=""):
    for set_name, window in sets_and_windows(pops):
        path = f"geometry/{set_name}/{window}"
        members = [(p, p.group[path]) for p in pops if path in p.group]
        pops_w = [p for p, _ in members]
        groups = [g for _, g in members]
        params = [attrs(g) for g in groups]
        base = f"{prefix}geometry_{region}_{set_name}_{window}"
        what = f"{shown(prefix)}{region}: {set_name.replace('_x_', ' × ')}, window {window}"
        kinds = rdm_kinds(groups)
        if kinds:
            rdm_figure(report, f"{what}: RDMs and MDS", f"{base}_rdm", pops_w, groups, kinds,
                       params)
            for kind in kinds:
                rdm_sessions(report, f"{what}: {kind} RDM per population",
                             f"{base}_rdm_{kind}_populations", pops_w, groups, kind, params)
        models_figure(report, f"{what}: model RDM comparison", f"{base}_models", pops_w, groups,
                      params)
        fewshot_figure(report, f"{what}: few-shot geometry", f"{base}_fewshot", pops_w, groups)
