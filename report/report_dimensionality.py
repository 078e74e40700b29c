"""Dimensionality figures: scree with cumulative explained variance, participation ratio per
session grouped by region, cvPCA spectra on log-log axes with the fitted power law."""
import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import numpy as np

from report_common import (OKABE_ITO, WINDOW_KEYS, array, attrs, counts_text, describe_params, grid,
                           legend, legend_below, scalar, session_colours, short_labels, shown,
                           windows_text)

SECTION = "Dimensionality"


def pca_windows(pops):
    names = []
    for p in pops:
        if "pca" in p.group:
            for w in p.group["pca"]:
                if w not in names:
                    names.append(w)
    return names


def scree(report, region, pops, prefix=""):
    windows = pca_windows(pops)
    if not windows:
        return
    fig, axes = plt.subplots(len(windows), 2, figsize=(7.5, 2.6 * len(windows) + 0.5),
                             squeeze=False, constrained_layout=True)
    colours = session_colours(len(pops))
    used, params = [], []
    for row, w in enumerate(windows):
        ax_r, ax_c = axes[row]
        ratios = []
        for p, colour in zip(pops, colours):
            g = p.group.get(f"pca/{w}")
            r = array(g, "explained_variance_ratio")
            if r is None:
                continue
            ratios.append(np.asarray(r, dtype=float))
            params.append(attrs(g))
            if p not in used:
                used.append(p)
            k = np.arange(1, len(r) + 1)
            ax_r.plot(k, r, "-o", color=colour, lw=0.8, ms=2, alpha=0.7)
            ax_c.plot(k, np.cumsum(r), "-o", color=colour, lw=0.8, ms=2, alpha=0.7)
        if ratios:
            width = max(len(r) for r in ratios)
            padded = np.full((len(ratios), width), np.nan)
            for i, r in enumerate(ratios):
                padded[i, :len(r)] = r
            k = np.arange(1, width + 1)
            label = "mean" if len(ratios) > 1 else None
            if len(ratios) > 1:
                ax_r.plot(k, np.nanmean(padded, axis=0), "k-", lw=2, label=label)
                ax_c.plot(k, np.nanmean(np.nancumsum(padded, axis=1), axis=0), "k-", lw=2,
                          label=label)
                legend(ax_r, frameon=False)
        ax_r.set(title=f"{w}: scree", xlabel="component", ylabel="explained variance ratio")
        ax_c.set(title=f"{w}: cumulative", xlabel="number of components",
                 ylabel="cumulative explained variance", ylim=(0, 1.02))
        ax_c.axhline(0.9, color="0.6", ls=":", lw=0.8)
        for ax in (ax_r, ax_c):
            ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(f"{shown(prefix)}{region}: PCA scree")
    report.save(fig, f"{prefix}dimensionality_{region}_scree", SECTION,
                f"{shown(prefix)}{region}: PCA scree and cumulative explained variance",
                f"Explained variance ratio per principal component (left) and its cumulative sum "
                f"(right; dotted line at 0.9) for each PCA window, one thin line per population "
                f"(viridis order of sessions), black the mean. Windows relative to the event: "
                f"{windows_text(params)}. {counts_text(used)}. Parameters: "
                f"{describe_params(params, skip=('description', 'split_half') + WINDOW_KEYS)}.")


def participation_ratio(report, regions, prefix=""):
    """One figure over all regions: plug-in and split-half PR per session, per window."""
    windows = []
    for pops in regions.values():
        for w in pca_windows(pops):
            if w not in windows:
                windows.append(w)
    if not windows:
        return
    names = list(regions)
    fig, axes = plt.subplots(1, len(windows), figsize=(max(3.2, 1.2 * len(names) + 1.6)
                                                       * len(windows), 3.2),
                             squeeze=False, constrained_layout=True)
    rng = np.random.default_rng(0)  # jitter only, so reruns draw identical figures
    used, params = [], []
    for ax, w in zip(axes[0], windows):
        for i, region in enumerate(names):
            for j, (key, colour, label) in enumerate(
                    [("participation_ratio", OKABE_ITO[0], "plug-in"),
                     ("participation_ratio_split_half", OKABE_ITO[3], "split-half")]):
                vals = []
                for p in regions[region]:
                    g = p.group.get(f"pca/{w}")
                    v = scalar(g, key)
                    if v is not None and np.isfinite(v):
                        vals.append(v)
                        params.append(attrs(g))
                        if p not in used:
                            used.append(p)
                x = i + (j - 0.5) * 0.36
                if vals:
                    ax.scatter(x + rng.uniform(-0.08, 0.08, len(vals)), vals, s=12,
                               color=colour, alpha=0.8, label=label if i == 0 else None,
                               edgecolors="none")
                    ax.hlines(np.median(vals), x - 0.14, x + 0.14, color="k", lw=1.5)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30 if len(names) > 4 else 0, ha="right"
                           if len(names) > 4 else "center")
        ax.set(title=f"window {w}", ylabel="participation ratio (dimensions)", xlabel="region")
        ax.set_xlim(-0.7, len(names) - 0.3)
        legend(ax, frameon=False)
    fig.suptitle(f"{shown(prefix)}participation ratio per population")
    report.save(fig, f"{prefix}dimensionality_participation_ratio", SECTION,
                f"{shown(prefix)}participation ratio by region",
                "Participation ratio (Σλ)²/Σλ² of each population's covariance per PCA window: "
                "plug-in estimate (orange) and split-half estimate tr(C)²/tr(C_A C_B) from "
                "disjoint halves of trials (blue), one dot per population, black bar the median. "
                f"Windows relative to the event: {windows_text(params)}. {counts_text(used)}. "
                "Parameters: "
                f"{describe_params(params, skip=('description', 'split_half') + WINDOW_KEYS)}.")


def fitted_line(k, spectrum, alpha, first, last):
    """The power law c·k^-alpha through the normalised spectrum over the fit range: c is the
    1/k-weighted mean of log(s_k) + alpha·log k, the intercept of the engine's weighted fit."""
    sel = (k >= first) & (k <= last) & (spectrum > 0)
    if not np.isfinite(alpha) or sel.sum() < 1:
        return None
    w = 1.0 / k[sel]
    c = np.sum(w * (np.log(spectrum[sel]) + alpha * np.log(k[sel]))) / np.sum(w)
    kk = k[(k >= first) & (k <= last)]
    return kk, np.exp(c) * kk ** (-alpha)


def cvpca(report, region, pops, prefix=""):
    have = [p for p in pops if "cvpca" in p.group and "spectrum" in p.group["cvpca"]]
    if not have:
        return
    fig, axes = grid(len(have))
    titles, common = short_labels([p.label for p in have])
    alphas, params = [], []
    for ax, p, title in zip(axes, have, titles):
        g = p.group["cvpca"]
        a = attrs(g)
        params.append(a)
        s = np.asarray(array(g, "spectrum"), dtype=float)
        total = s.sum()
        norm = s / total if total > 0 else s
        k = np.arange(1, len(s) + 1, dtype=float)
        pos = norm > 0
        alpha = scalar(g, "alpha")
        alpha = float("nan") if alpha is None else alpha
        ax.loglog(k[pos], norm[pos], "o-", color=OKABE_ITO[3], ms=3, lw=0.8,
                  label="cvPCA spectrum")
        if (~pos).any():
            ax.text(0.98, 0.98, f"{int((~pos).sum())} ≤ 0 not shown", transform=ax.transAxes,
                    ha="right", va="top", fontsize=6)
        line = fitted_line(k, norm, alpha, a.get("fit_first", 1), a.get("fit_last", len(s)))
        if line is not None:
            ax.loglog(line[0], line[1], "--", color=OKABE_ITO[4], lw=1.2,
                      label="power law k^-α fitted over fit_first..fit_last")
            alphas.append(alpha)
        ax.set_title(f"{title}: α = {alpha:.2f}" if np.isfinite(alpha) else f"{title}: α n/a")
        ax.set(xlabel="component k", ylabel="normalised signal variance")
        # Plain integer ticks: log-axis labels like 2x10^0 collide on short spectra.
        ax.set_xticks([t for t in (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000) if t <= len(s)])
        ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%d"))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
    legend_below(fig, max(axes, key=lambda a: len(a.get_legend_handles_labels()[0])))
    median = f"median α {np.median(alphas):.2f}" if alphas else "no finite α"
    fig.suptitle(f"{shown(prefix)}{region}: cross-validated PCA spectra ({median})")
    report.save(fig, f"{prefix}dimensionality_{region}_cvpca", SECTION,
                f"{shown(prefix)}{region}: cvPCA spectra with power-law fits",
                "Cross-validated signal variance per component (Stringer et al. 2019), divided by "
                "its sum, on log-log axes (non-positive values cannot be shown and are counted); "
                "dashed: the fitted power law k^-α over the fit range, α from the results file. "
                + (f"Panel titles drop the common prefix '{common}'. " if common else "")
                + f"{counts_text(have)}. Parameters: "
                f"{describe_params(params, skip=('description', 'repeats', 'conditions_used'))}.")
