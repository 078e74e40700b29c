"""Shared pieces of the neuropop report: reading results groups with h5py, the colour-blind-safe
style, small-multiple grids, and the Report that saves figures and remembers their captions."""
import math
import os

import matplotlib

matplotlib.use("Agg")  # files only; never a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442",
             "#000000"]
SEQUENTIAL = "viridis"  # perceptually uniform, colour-blind safe
DIVERGING = "cividis"

plt.rcParams.update({
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "figure.titlesize": 10,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO), "axes.spines.top": False,
    "axes.spines.right": False, "savefig.bbox": "tight", "svg.fonttype": "none",
})


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def attrs(group):
    """Group attributes as plain Python values (strings decoded, arrays as lists)."""
    out = {}
    for k, v in group.attrs.items():
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, np.ndarray):
            v = [text(x) for x in v.tolist()] if v.dtype.kind in "OSU" else v.tolist()
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def array(group, name):
    """A dataset as a numpy array (strings decoded), or None when absent. Where a pooled
    analysis stacks its resamples (/pseudo: X [resample, ...] beside X_mean), the mean over
    resamples is the value drawn."""
    if group is None:
        return None
    if name + "_mean" in group:
        name = name + "_mean"
    if name not in group:
        return None
    d = group[name]
    if not hasattr(d, "dtype"):
        return None
    v = d[()]
    if d.dtype.kind in "OS":
        v = np.vectorize(text, otypes=[object])(v) if np.ndim(v) else text(v)
    return v


def scalar(group, name):
    v = array(group, name)
    return None if v is None else float(np.asarray(v, dtype=float).reshape(-1)[0])


def labels(group, name):
    v = array(group, name)
    return [] if v is None else [text(x) for x in np.ravel(v)]


def safe_name(s):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in s)


def shown(prefix):
    """How a figure-name prefix reads in titles ('pseudo_' -> 'pseudo-population ')."""
    return "pseudo-population " if prefix else ""


def short_labels(keys):
    """Session keys without their common prefix (e.g. 'zhang-desimone-it-1001' -> '1001'), so
    small-multiple titles stay readable; returns (labels, prefix)."""
    if len(keys) < 2:
        return list(keys), ""
    prefix = os.path.commonprefix(keys)
    cut = max(prefix.rfind("-"), prefix.rfind("_"), prefix.rfind("."))
    prefix = prefix[:cut + 1] if cut >= 0 else ""
    return [k[len(prefix):] or k for k in keys], prefix


def grid(n, panel_w=2.5, panel_h=2.1, max_cols=5, wspace=0.45):
    """A figure of n small panels, returned with the flat list of the n axes in use."""
    cols = max(1, min(n, max_cols, math.ceil(math.sqrt(n * 1.3))))
    rows = math.ceil(n / cols)
    # Fixed spacing instead of constrained layout: its per-tick measuring takes seconds on
    # 20+ panels, and every panel here has the same furniture.
    fig, axes = plt.subplots(rows, cols, figsize=(panel_w * cols + 0.6, panel_h * rows + 0.7),
                             squeeze=False)
    fig.subplots_adjust(left=0.6 / (panel_w * cols + 0.6), right=0.98, bottom=0.55 / (
        panel_h * rows + 0.7), top=1 - 0.75 / (panel_h * rows + 0.7), wspace=wspace, hspace=0.75)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def legend(ax, **kwargs):
    """ax.legend, unless nothing on the axes has a label (an all-NaN panel)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def legend_below(fig, ax):
    """One legend for a grid of alike panels, under the figure instead of over a panel."""
    handles, names = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(len(handles), 5), frameon=False)


def session_colours(n):
    cmap = plt.get_cmap(SEQUENTIAL)
    return [cmap(0.9 * i / max(1, n - 1)) for i in range(n)]


def thin_ticks(n, max_labels=25):
    """Indices of tick labels to show so that at most ~max_labels appear."""
    step = max(1, math.ceil(n / max_labels))
    return list(range(0, n, step))


def describe_params(attr_dicts, skip=("description",), max_len=60):
    """'key value; ...' of the attributes that made a figure; values that differ between
    populations are given as a range or a count of distinct values."""
    keys = []
    for a in attr_dicts:
        for k in a:
            if k not in keys and k not in skip:
                keys.append(k)
    parts = []
    for k in keys:
        vals = [a[k] for a in attr_dicts if k in a]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            lo, hi = min(vals), max(vals)
            parts.append(f"{k} {fmt(lo)}" if lo == hi else f"{k} {fmt(lo)} to {fmt(hi)}")
            continue
        shown = [", ".join(v) if isinstance(v, list) else str(v) for v in vals]
        distinct = sorted(set(shown))
        if len(distinct) == 1:
            if len(distinct[0]) <= max_len:
                parts.append(f"{k} {distinct[0]}")
        else:
            parts.append(f"{k}: {len(distinct)} distinct values")
    return "; ".join(parts)


def windows_text(attr_dicts):
    """'baseline [-0.4, 0) s, response [0.1, 0.5) s' from window attributes."""
    seen = {}
    for a in attr_dicts:
        if "window" in a and "window_start" in a and "window_stop" in a:
            seen.setdefault(a["window"], f"{a['window']} [{fmt(a['window_start'])}, "
                                         f"{fmt(a['window_stop'])}) s")
    return ", ".join(seen.values())


WINDOW_KEYS = ("window", "window_start", "window_stop", "first_bin", "n_bins")


def fmt(v):
    if isinstance(v, float):
        if v != v:
            return "n/a"
        return f"{v:.4g}"
    return str(v)


class Population:
    """One session-region (or a pseudo-population): its results group and its counts."""

    def __init__(self, key, label, group, subject="", n_units=None, n_trials=None):
        self.key, self.label, self.group = key, label, group
        self.subject, self.n_units, self.n_trials = subject, n_units, n_trials


def counts_text(pops):
    """'n sessions, units a–b (total T), trials ...' for a caption."""
    def span(vals):
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        lo, hi = min(vals), max(vals)
        return (f"{lo}" if lo == hi else f"{lo}–{hi}") + (f" (total {sum(vals)})"
                                                            if len(vals) > 1 else "")
    parts = [f"{len(pops)} " + ("population" if len(pops) == 1 else "populations")]
    u = span([p.n_units for p in pops])
    t = span([p.n_trials for p in pops])
    if u:
        parts.append(f"units {u}")
    if t:
        parts.append(f"trials {t}")
    subjects = sorted({p.subject for p in pops if p.subject})
    if subjects:
        parts.append(f"{len(subjects)} " + ("animal" if len(subjects) == 1 else "animals"))
    return ", ".join(parts)


class Report:
    """Saves figures into the output folder and keeps, per section, what index.html shows."""

    def __init__(self, out_dir, fmt_, event):
        self.out_dir, self.fmt, self.event = out_dir, fmt_, event
        self.entries = []  # (section, file name, title, caption)
        self.section_override = None  # e.g. every /pseudo figure goes under one heading
        self.caption_suffix = ""

    @property
    def time_label(self):
        return f"time from {self.event} (s)" if self.event else "time from the event (s)"

    def save(self, fig, name, section, title, caption):
        file_name = f"{safe_name(name)}.{self.fmt}"
        fig.savefig(os.path.join(self.out_dir, file_name), dpi=110)
        plt.close(fig)
        self.entries.append((self.section_override or section, file_name, title,
                             caption + self.caption_suffix))
