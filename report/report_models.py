"""Brain <-> network figures (/summary/<region>/models, docs/ANALYSES.md §8): each region's layer
profile — CKA per layer, every session and the mean with the animal bootstrap interval — and the
RSA profile read against the noise ceiling band (what the data allow) — and, when computed, the
participation ratio and the manifold capacity of each layer beside the population's own value; and
each pooled region's layer profile over resamples (/pseudo/<region>/models/profile, §5)."""
import matplotlib.pyplot as plt
import numpy as np

from report_common import OKABE_ITO, array, attrs, labels, legend, session_colours

SECTION = "Brain ↔ network comparisons"


def layer_profile(report, region, g):
    a = attrs(g)
    layers = labels(g, "layers")
    if not layers:
        return
    x = np.arange(len(layers))
    cka_name = "debiased_cka" if "debiased_cka" in g else ("cka" if "cka" in g else None)
    methods = labels(g, "comparison")
    rsa_name = f"rsa_{methods[0]}" if methods and f"rsa_{methods[0]}" in g else None
    geometry = [n for n in ("participation_ratio", "capacity") if n in g]
    panels = [n for n in (cka_name, rsa_name) if n] + geometry
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4),
                             constrained_layout=True, squeeze=False)
    for ax, name in zip(axes[0], panels):
        values = np.atleast_2d(np.asarray(array(g, name), float))
        for row, colour in zip(values, session_colours(len(values))):
            ax.plot(x, row, "-", color=colour, lw=0.7, alpha=0.6)
        ax.plot(x, np.nanmean(values, axis=0), "o-", color="k", lw=2, ms=4,
                label=f"mean of {len(values)} sessions")
        if name == cka_name and array(g, "profile_animals_ci_low") is not None:
            lo, hi = array(g, "profile_animals_ci_low"), array(g, "profile_animals_ci_high")
            ax.fill_between(x, lo, hi, color=OKABE_ITO[1], alpha=0.25,
                            label="95% bootstrap over animals")
        if name == rsa_name:
            lo, hi = array(g, "loso_ceiling_lower"), array(g, "loso_ceiling_upper")
            kind = "leave-one-session-out"
            if lo is None or not np.isfinite(lo[0]):
                lo, hi = array(g, "split_half_ceiling_lower"), array(g, "split_half_ceiling_upper")
                kind = "split-half"
            if lo is not None and np.isfinite(lo[0]):
                ax.axhspan(lo[0], hi[0], color="0.75", alpha=0.5,
                           label=f"noise ceiling ({kind})")
        if name in geometry:
            population = array(g, f"population_mean_{name}")
            if population is not None and np.isfinite(population):
                ax.axhline(float(population), color=OKABE_ITO[5], ls="--", lw=1.2,
                           label="population (mean over sessions)")
            if name == "capacity" and array(g, "profile_simulation_capacity") is not None:
                ax.plot(x, array(g, "profile_simulation_capacity"), "s:", color=OKABE_ITO[2],
                        ms=3, lw=1, label="simulation capacity (mean)")
        best = a.get("best_layer")
        if best in layers and name == cka_name:
            ax.axvline(layers.index(best), color=OKABE_ITO[4], ls=":", lw=1,
                       label=f"best layer: {best}")
        if name not in geometry:
            ax.axhline(0, color="0.4", lw=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(layers, rotation=30 if len(layers) > 3 else 0,
                           ha="right" if len(layers) > 3 else "center", fontsize=7)
        ax.set(xlabel="layer", ylabel=name.replace("_", " "), title=f"{region}: {name}")
        legend(ax, frameon=False, fontsize=6)
    report.save(fig, f"models_{region}", SECTION, f"{region}: layer profile",
                f"Each session's similarity to every layer (thin), their mean (black); CKA with "
                f"the 95% bootstrap interval over animals, RSA ({methods[0] if methods else ''}) "
                f"with the noise ceiling band (lower to upper bound). Best layer by "
                f"{a.get('best_by', cka_name)}: {a.get('best_layer', '?')}."
                + (" Participation ratio and mean-field manifold capacity (classes of "
                   "models.manifold_column) of each layer, with the population's value dashed."
                   if geometry else ""))


def pooled_profile(report, region, g):
    """/pseudo/<region>/models/profile: each resample of the pooled pseudo-population (thin), the
    mean over resamples and its 95% percentile interval, for the measure choosing the best layer
    and the first RSA comparison."""
    a = attrs(g)
    layers = labels(g, "layers")
    if not layers:
        return
    x = np.arange(len(layers))
    best_by = a.get("best_by")
    rsa = sorted((n != "rsa_spearman", n) for n in g if n.startswith("rsa_") and n + "_mean" in g)
    panels = [n for n in [best_by] + [n for _, n in rsa[:1]] if n and n in g]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4),
                             constrained_layout=True, squeeze=False)
    for ax, name in zip(axes[0], panels):
        values = np.atleast_2d(np.asarray(g[name][()], float))  # [resample, layer], raw
        for row in values:
            ax.plot(x, row, "-", color=OKABE_ITO[0], lw=0.7, alpha=0.5)
        ax.fill_between(x, array(g, name + "_ci_low"), array(g, name + "_ci_high"),
                        color=OKABE_ITO[1], alpha=0.25, label="95% interval over resamples")
        ax.plot(x, array(g, name + "_mean"), "o-", color="k", lw=2, ms=4,
                label=f"mean of {len(values)} resamples")
        best = a.get("best_layer")
        if best in layers and name == best_by:
            ax.axvline(layers.index(best), color=OKABE_ITO[4], ls=":", lw=1,
                       label=f"best layer: {best}")
        ax.axhline(0, color="0.4", lw=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(layers, rotation=30 if len(layers) > 3 else 0,
                           ha="right" if len(layers) > 3 else "center", fontsize=7)
        ax.set(xlabel="layer", ylabel=name.replace("_", " "),
               title=f"{region} pooled: {name}")
        legend(ax, frameon=False, fontsize=6)
    report.save(fig, f"pseudo_models_{region}", SECTION, f"{region}: pooled layer profile",
                f"The region's sessions pooled into a pseudo-population: each resample's "
                f"similarity to every layer (thin), the mean over resamples (black) with its 95% "
                f"percentile interval. Best layer by {best_by}: {a.get('best_layer', '?')}.")


def models_summaries(report, f, regions_wanted):
    for region, pg in (f["pseudo"].items() if "pseudo" in f else []):
        if regions_wanted and region not in regions_wanted:
            continue
        if "models/profile" in pg:
            pooled_profile(report, region, pg["models/profile"])
    if "summary" not in f:
        return
    for region, rg in f["summary"].items():
        if regions_wanted and region not in regions_wanted:
            continue
        if "models" in rg:
            layer_profile(report, region, rg["models"])
