"""Cross-session summary figures (/summary/<region>/decode/<target>): every session's time
course with the mean and the Fisher + Benjamini-Hochberg significant bins, and per-animal dots
with the mean over animals and a bootstrap CI over animals."""
import matplotlib.pyplot as plt
import matplotlib.transforms as mtransforms
import numpy as np

from report_common import (OKABE_ITO, array, attrs, describe_params, labels, legend, scalar,
                           session_colours)

SECTION = "Summaries across sessions and animals"
BOOTSTRAPS = 2000


def bootstrap_ci(values, rng):
    """95% percentile CI of the mean, resampling the given units (animals) with replacement."""
    values = np.asarray(values, float)
    means = values[rng.integers(0, len(values), (BOOTSTRAPS, len(values)))].mean(axis=1)
    return np.percentile(means, [2.5, 97.5])


def decode_summary(report, f, region, target, g, subject_of):
    a = attrs(g)
    name = "r2" if "r2" in g and "accuracy" not in g else "accuracy"
    values = array(g, name)
    time = array(g, "time")
    if values is None or time is None:
        return
    values, time = np.atleast_2d(np.asarray(values, float)), np.asarray(time, float)
    sessions = labels(g, "sessions")
    mean = array(g, "mean_accuracy")
    mean = np.nanmean(values, axis=0) if mean is None else np.asarray(mean, float)
    significant = array(g, "significant")
    q = array(g, "q_value")
    alpha = float(a.get("alpha", 0.05))
    chances = set()
    for s in sessions:
        c = scalar(f.get(f"sessions/{s}/{region}/decode/{target}"), "chance")
        if c is not None:
            chances.add(round(c, 12))
    first = f.get(f"sessions/{sessions[0]}/{region}/decode/{target}") if sessions else None
    windows = first is not None and attrs(first).get("time_mode") == "windows"
    style = "o-" if windows else "-"  # windows: points at their centres, the line only guides
    fig, (ax_t, ax_a) = plt.subplots(1, 2, figsize=(9.0, 3.6), width_ratios=[1.6, 1],
                                     constrained_layout=True)
    for row, colour in zip(values, session_colours(len(values))):
        ax_t.plot(time, row, style, color=colour, lw=0.7, ms=2.5, alpha=0.7)
    ax_t.plot(time, mean, style, color="k", lw=2, ms=4, label=f"mean of {len(values)} sessions")
    names = labels(g, "time_names")
    if windows and len(names) == len(time):
        ax_t.set_xticks(time)
        ax_t.set_xticklabels([f"{n}\n{t:.3g} s" for n, t in zip(names, time)])
    for c in sorted(chances):
        ax_t.axhline(c, color="k", ls=":", lw=0.9, label="chance" if c == min(chances) else None)
    ax_t.axvline(0, color="0.4", lw=0.8)
    if significant is not None:
        sig = np.asarray(significant).astype(bool)
        if sig.any():
            top = mtransforms.blended_transform_factory(ax_t.transData, ax_t.transAxes)
            ax_t.plot(time[sig], np.full(sig.sum(), 0.97), "v", color=OKABE_ITO[4], ms=4,
                      transform=top, clip_on=False, label=f"q ≤ {alpha:g} (Fisher, BH)")
    shown = a.get("target", target)
    ax_t.set(xlabel=report.time_label, ylabel=name, title=f"{region}: {shown}, every session")
    legend(ax_t, frameon=False, fontsize=6)

    # Per animal, at the time of the best mean score: animals, not sessions, are the units
    # of the group-level uncertainty (docs/ANALYSES.md §5).
    best = int(np.nanargmax(mean)) if np.isfinite(mean).any() else 0
    at_best = values[:, best]
    animals = sorted({subject_of.get(s, "unknown") for s in sessions}) or ["unknown"]
    rng = np.random.default_rng(0)  # fixed: the same file always draws the same figure
    animal_means = []
    for i, animal in enumerate(animals):
        mine = np.array([v for s, v in zip(sessions, at_best)
                         if subject_of.get(s, "unknown") == animal and np.isfinite(v)])
        if not mine.size:
            continue
        ax_a.scatter(i + rng.uniform(-0.12, 0.12, mine.size), mine, s=10, color="0.55",
                     edgecolors="none", label="session" if i == 0 else None)
        ax_a.scatter([i], [mine.mean()], s=50, color=OKABE_ITO[i % len(OKABE_ITO)],
                     edgecolors="k", zorder=3, label="animal mean" if i == 0 else None)
        animal_means.append(mine.mean())
    ci_text = "a bootstrap CI needs two animals or more"
    if animal_means:
        group_mean = float(np.mean(animal_means))
        ax_a.axhline(group_mean, color="k", lw=1.4, label="mean over animals")
        if len(animal_means) > 1:
            lo, hi = bootstrap_ci(animal_means, rng)
            ax_a.axhspan(lo, hi, color="0.8", alpha=0.6, lw=0, label="95% bootstrap CI")
            ci_text = (f"95% CI {lo:.3g}–{hi:.3g} from {BOOTSTRAPS} bootstrap resamples of "
                       "animals")
    for c in sorted(chances):
        ax_a.axhline(c, color="k", ls=":", lw=0.9)
    ax_a.set_xticks(range(len(animals)))
    ax_a.set_xticklabels(animals, rotation=30 if len(animals) > 3 else 0,
                         ha="right" if len(animals) > 3 else "center")
    ax_a.set(xlabel="animal", ylabel=f"{name} at {time[best]:.3g} s",
             title=f"per animal at the best time ({time[best]:.3g} s)")
    ax_a.set_xlim(-0.6, len(animals) - 0.4)
    legend(ax_a, frameon=False, fontsize=6)
    fig.suptitle(f"{region}: decoding {shown} across sessions")
    report.save(fig, f"summary_{region}_{target}", SECTION,
                f"{region}: decoding {shown} across sessions and animals",
                f"Left: each session's {name} over time (thin), their mean (black), chance "
                f"(dotted) and the bins where Fisher's combination of the sessions' permutation "
                f"p-values survives Benjamini–Hochberg FDR at q ≤ {alpha:g} (triangles). Right: at "
                f"the time of the highest mean, one grey dot per session, one coloured dot per "
                f"animal (mean of its sessions), black the mean over animals; {ci_text}. "
                f"{len(sessions)} sessions, {len(animals)} "
                + ("animal" if len(animals) == 1 else "animals")
                + f". Parameters: {describe_params([a])}."
                + ("" if q is None else f" Smallest q {np.nanmin(q):.3g}."))


def summaries(report, f, regions_wanted, subject_of):
    if "summary" not in f:
        return
    for region, rg in f["summary"].items():
        if regions_wanted and region not in regions_wanted:
            continue
        if "decode" not in rg:
            continue
        for target, g in rg["decode"].items():
            decode_summary(report, f, region, target, g, subject_of)


def element_names(pseudo_group, shape):
    """Labels of the flattened trailing axes of a per-animal statistic (e.g. comparison
    [rdm, model, method] -> 'euclidean / position / spearman'), from the pooled group's names."""
    axes = []
    for n in shape:
        found = None
        for key in ("rdm_names", "model_names", "method_names", "class_labels",
                    "condition_labels", "time_names"):
            names = labels(pseudo_group, key)
            if len(names) == n and key not in [a[0] for a in axes]:
                found = (key, names)
                break
        axes.append(found or ("index", [str(i) for i in range(n)]))
    out = [""]
    for _, names in axes:
        out = [f"{a} / {b}" if a else b for a in out for b in names]
    return out


def per_animal_row(ax_main, ax_dots, values, mean, lo, hi, animals, stat, pseudo_group, report):
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(animals))]
    time = array(pseudo_group, "time")
    series = values.ndim == 2 and time is not None and np.size(time) == values.shape[1]
    if series:
        time = np.asarray(time, float)
        for v, c, a in zip(values, colours, animals):
            ax_main.plot(time, v, "-", color=c, lw=0.9, label=a)
        ax_main.plot(time, mean, "k-", lw=2, label="mean over animals")
        if lo is not None and hi is not None:
            ax_main.fill_between(time, lo, hi, color="0.7", alpha=0.5, lw=0, label="95% CI")
        ax_main.axvline(0, color="0.4", lw=0.8)
        ax_main.set(xlabel=report.time_label, ylabel=stat, title=f"{stat} per animal")
        legend(ax_main, frameon=False, fontsize=6)
        best = int(np.nanargmax(mean)) if np.isfinite(mean).any() else 0
        values, mean = values[:, best:best + 1], mean[best:best + 1]
        lo = None if lo is None else lo[best:best + 1]
        hi = None if hi is None else hi[best:best + 1]
        names = [f"{time[best]:.3g} s (best mean)"]
    else:
        ax_main.set_visible(False)
        values = values.reshape(len(animals), -1)
        mean, lo, hi = (None if x is None else np.ravel(x) for x in (mean, lo, hi))
        names = element_names(pseudo_group, np.shape(values)[1:]) if values.shape[1] > 1 \
            else [stat]
        if len(names) != values.shape[1]:
            names = [str(i) for i in range(values.shape[1])]
    x = np.arange(values.shape[1])
    width = 0.5 / max(1, len(animals))
    for i, (v, c, a) in enumerate(zip(values, colours, animals)):
        ax_dots.scatter(x + (i - (len(animals) - 1) / 2) * width, v, s=16, color=c,
                        edgecolors="k", linewidths=0.3, label=a, zorder=3)
    if mean is not None:
        err = None
        if lo is not None and hi is not None:
            err = [np.clip(mean - lo, 0, None), np.clip(hi - mean, 0, None)]
        ax_dots.errorbar(x, mean, yerr=err, fmt="_", color="k", ms=14, capsize=3, lw=1.2,
                         label="mean, 95% CI" if err is not None else "mean", zorder=4)
    ticks = list(range(0, len(names), max(1, len(names) // 25)))
    ax_dots.set_xticks(ticks)
    ax_dots.set_xticklabels([names[i] for i in ticks], rotation=45 if len(names) > 3 else 0,
                            ha="right" if len(names) > 3 else "center", fontsize=6)
    ax_dots.set(ylabel=stat, title=f"{stat}: animals, mean and bootstrap CI")
    ax_dots.set_xlim(-0.6, len(names) - 0.4)
    legend(ax_dots, frameon=False, fontsize=6)


def animal_summary(report, f, region, rel, g):
    a = attrs(g)
    animals = labels(g, "animals")
    stats = [n[len("animal_"):] for n in g if n.startswith("animal_")
             and not n.startswith("animal_p_")][:4]
    if not animals or not stats:
        return
    pseudo_group = f.get(f"pseudo/{region}/{rel}")
    fig, axes = plt.subplots(len(stats), 2, figsize=(9.5, 3.3 * len(stats)), squeeze=False,
                             width_ratios=[1.4, 1], constrained_layout=True)
    for (ax_main, ax_dots), stat in zip(axes, stats):
        values = np.atleast_1d(np.asarray(g[f"animal_{stat}"][()], float))
        values = values.reshape(len(animals), *values.shape[1:]) if values.ndim else values
        get = (lambda name: None if name not in g else np.asarray(g[name][()], float))
        mean = get(f"{stat}_mean_over_animals")
        if mean is None:
            mean = np.nanmean(values, axis=0)
        per_animal_row(ax_main, ax_dots, values, mean, get(f"{stat}_ci_low"),
                       get(f"{stat}_ci_high"), animals, stat, pseudo_group, report)
    what = rel.replace("/", " ")
    fig.suptitle(f"{region}: pseudo-population {what}, per animal")
    report.save(fig, f"summary_{region}_pseudo_{rel.replace('/', '_')}", SECTION,
                f"{region}: pseudo-population {what} across animals",
                f"Each animal's value (its own pseudo-population, mean over resamples), the mean "
                f"over animals and the 95% bootstrap CI resampling animals, as stored in the file; "
                f"time courses on the left, and at the time of the best mean (or per element) on "
                f"the right. {len(animals)} " + ("animal" if len(animals) == 1 else "animals")
                + f": {', '.join(animals)}. Parameters: {describe_params([a])}.")


def animal_summaries(report, f, regions_wanted):
    """Every /summary/<region>/pseudo/... group holding per-animal values."""
    import h5py
    if "summary" not in f:
        return
    for region, rg in f["summary"].items():
        if (regions_wanted and region not in regions_wanted) or "pseudo" not in rg:
            continue
        found = []
        rg["pseudo"].visititems(lambda name, obj: found.append(name) if isinstance(
            obj, h5py.Group) and "animals" in obj else None)
        for rel in found:
            animal_summary(report, f, region, rel, rg["pseudo"][rel])
