"""Coupled Poisson GLM figures (docs/ANALYSES.md §7): the integrated coupling matrix of each
population as a heat map, and each unit's cross-validated log-likelihood gain over the
stimulus-only and the uncoupled model."""
import matplotlib.pyplot as plt
import numpy as np

from report_common import (OKABE_ITO, WINDOW_KEYS, array, attrs, counts_text, describe_params,
                           shown, windows_text)

SECTION = "Coupling"
MAX_MATRICES = 4  # heat maps per figure; the gains panel shows every population


def coupling(report, region, pops, prefix=""):
    have = [p for p in pops if "coupling/integrated_weights" in p.group]
    if not have:
        return
    shown_pops = have[:MAX_MATRICES]
    fig, axes = plt.subplots(1, len(shown_pops) + 1,
                             figsize=(2.7 * (len(shown_pops) + 1) + 0.6, 3.0),
                             constrained_layout=True, squeeze=False)
    axes = axes[0]
    weights = [np.asarray(array(p.group["coupling"], "integrated_weights"), dtype=float)
               for p in shown_pops]
    off = [w[~np.eye(len(w), dtype=bool)] for w in weights]
    limit = max([np.max(np.abs(o)) for o in off if o.size] + [1e-12])
    image = None
    for ax, p, w in zip(axes, shown_pops, weights):
        # The diagonal is the own-history filter (refractory, far larger): masked so the colour
        # scale shows the couplings between units.
        shown_w = np.where(np.eye(len(w), dtype=bool), np.nan, w)
        image = ax.imshow(shown_w, cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest")
        ax.set(title=p.label, xlabel="source unit", ylabel="target unit")
        ids = array(p.group["coupling"], "unit_ids")
        if ids is not None and len(ids) <= 20:
            ax.set_xticks(range(len(ids)), [str(i) for i in ids], fontsize=6, rotation=90)
            ax.set_yticks(range(len(ids)), [str(i) for i in ids], fontsize=6)
    if image is not None:
        fig.colorbar(image, ax=list(axes[:len(shown_pops)]), shrink=0.8,
                     label="integrated weight (log rate per spike)")
    ax = axes[-1]
    params = []
    for i, p in enumerate(have):
        g = p.group["coupling"]
        params.append(attrs(g))
        for j, (name, colour) in enumerate((("gain_vs_stimulus", OKABE_ITO[0]),
                                            ("gain_vs_uncoupled", OKABE_ITO[1]))):
            v = np.asarray(array(g, name), dtype=float)
            x = i + (j - 0.5) * 0.3 + np.linspace(-0.08, 0.08, len(v))
            ax.plot(x, v, "o", ms=2.5, color=colour, alpha=0.8,
                    label=(("vs stimulus only" if j == 0 else "vs uncoupled") if i == 0 else None))
    ax.axhline(0, color="0.6", lw=0.8, ls=":")
    ax.set(title="cross-validated gain", xlabel="population", ylabel="bits / spike")
    ax.set_xticks(range(len(have)), [str(i + 1) for i in range(len(have))], fontsize=7)
    ax.legend(frameon=False, fontsize=7)
    fig.suptitle(f"{shown(prefix)}{region}: coupled Poisson GLM")
    extra = "" if len(have) <= MAX_MATRICES else (
        f" Heat maps of the first {MAX_MATRICES} of {len(have)} populations.")
    report.save(fig, f"{prefix}coupling_{region}", SECTION,
                f"{shown(prefix)}{region}: coupling matrix and log-likelihood gain",
                f"Left: integrated coupling weight (filter summed over lags) from each source "
                f"unit to each target unit, per population; the diagonal (own-history filter) "
                f"is masked; colour scale symmetric about 0.{extra} Right: per unit, the "
                f"cross-validated log-likelihood gain of the coupled model over the stimulus-only "
                f"and over the uncoupled (stimulus + own history) model, in bits per spike; "
                f"populations numbered in session order. Window: {windows_text(params)}. "
                f"{counts_text(have)}. Parameters: "
                f"{describe_params(params, skip=('description', 'penalty', 'fold_rng', 'excluded_units') + WINDOW_KEYS)}.")
