#!/usr/bin/python3
"""Writes a small neuropop results file by hand, following the agreed decoding and geometry
layout (the schema the report reads), for the report tests while the engine does not write
those groups yet: usage report_synthetic_results.py OUT.h5 [sessions|pooled|all]

Layout: sessions s-01, s-02 (animal A) and s-03 (animal B); region VISp in all three, CA1 in
s-01 and s-02. VISp has PCA, cvPCA, decoding of 'stimulus' (logistic, bins, generalisation,
permutation null) and 'speed' (ridge, windows, no permutations), and geometry of
stimulus_ID x stimulus_position (21 conditions) in window 'response'; CA1 has PCA and cvPCA
only. /pseudo/VISp has PCA, decoding and geometry stacked over 3 resamples as the pooled
analyses write them (X [resample, ...], X_mean, X_sd, p_accuracy);
/summary/VISp/decode/stimulus is the cross-session summary, and /summary/VISp/pseudo/{decode/
stimulus, pca/response} the per-animal summaries (animals, animal_<stat>, <stat>_mean_over_
animals, <stat>_ci_low/high)."""
import sys

import h5py
import numpy as np

rng = np.random.default_rng(5)
SESSIONS = {"s-01": ("A", ["VISp", "CA1"]), "s-02": ("A", ["VISp", "CA1"]),
            "s-03": ("B", ["VISp"])}
EDGES = np.round(np.arange(-0.2, 0.3001, 0.05), 10)
TIME = (EDGES[:-1] + EDGES[1:]) / 2
CLASSES = ["stim_0", "stim_1", "stim_2", "stim_3"]
CONDITIONS = sorted(f"{o}|{p}" for o in ["car", "couch", "face", "flower", "guitar", "hand", "kiwi"]
                    for p in ["lower", "middle", "upper"])  # 21, as in the IT data
SHOTS = [1, 2, 5, 10]
B = 40  # permutations


def ds(g, name, data, units, description, dims=()):
    d = g.create_dataset(name, data=data)
    d.attrs["units"], d.attrs["description"] = units, description
    for i, label in enumerate(dims):
        d.dims[i].label = label
    return d


def strings(g, name, values, description, dims):
    d = g.create_dataset(name, data=np.array(values, dtype=object),
                         dtype=h5py.string_dtype())
    d.attrs["units"], d.attrs["description"] = "n/a", description
    for i, label in enumerate(dims):
        d.dims[i].label = label


def pca(g, units):
    for window in ["baseline", "response"]:
        w = g.create_group(f"pca/{window}")
        w.attrs.update({"description": f"PCA of window '{window}'", "window": window,
                        "n_units": units, "samples": "condition_means"})
        ev = np.sort(rng.gamma(1.0, 1.0, units))[::-1]
        ds(w, "explained_variance_ratio", ev / ev.sum(), "1", "eigenvalue / sum", ["rank"])
        ds(w, "participation_ratio", ev.sum() ** 2 / (ev ** 2).sum(), "1", "plug-in PR")
        ds(w, "participation_ratio_split_half", 0.8 * ev.sum() ** 2 / (ev ** 2).sum(), "1",
           "split-half PR")


def cvpca(g, units):
    c = g.create_group("cvpca")
    c.attrs.update({"description": "cross-validated PCA", "fit_first": 1, "fit_last": units,
                    "shuffles": 2, "n_units": units})
    k = np.arange(1, units + 1)
    spectrum = k ** -1.2 * rng.uniform(0.8, 1.2, units)
    spectrum[-1] = -0.01  # cvPCA variances can be negative; the report must cope
    ds(c, "spectrum", spectrum, "spikes^2", "signal variance", ["component"])
    ds(c, "alpha", 1.2, "1", "power-law exponent")


def classification(g, units, trials, generalization=True):
    d = g.create_group("decode/stimulus")
    T, F = len(TIME), 5
    d.attrs.update({"description": "decoding of stimulus", "target": "stimulus",
                    "decoder": "logistic", "C": 1.0, "folds": F, "repeats": 1,
                    "permutations": B, "null_scheme": "within training folds",
                    "n_trials": trials, "n_units": units, "n_classes": len(CLASSES),
                    "time_mode": "bins", "seed": "7"})
    ds(d, "time", TIME, "s", "bin centre relative to the event", ["time"])
    ds(d, "time_start", EDGES[:-1], "s", "bin start", ["time"])
    ds(d, "time_stop", EDGES[1:], "s", "bin stop", ["time"])
    strings(d, "time_names", [f"bin_{i}" for i in range(T)], "bin names", ["time"])
    strings(d, "class_labels", CLASSES, "classes, sorted", ["class"])
    acc = 0.25 + 0.5 * (TIME > 0.05) * rng.uniform(0.6, 1.0, T)
    ds(d, "accuracy", acc, "1", "fraction correct", ["time"])
    ds(d, "balanced_accuracy", acc - 0.01, "1", "balanced accuracy", ["time"])
    ds(d, "chance", 1 / len(CLASSES), "1", "1 / n_classes")
    ds(d, "majority_rate", 0.27, "1", "largest class fraction")
    ds(d, "fold_accuracy", np.tile(acc[:, None], (1, F)), "1", "per fold", ["time", "fold"])
    ds(d, "confusion", rng.integers(0, 9, (T, 4, 4)), "trials", "summed confusion",
       ["time", "true_class", "predicted_class"])
    if generalization:
        gen = 0.25 + 0.5 * np.outer(TIME > 0.05, TIME > 0.05) * rng.uniform(0.5, 1, (T, T))
        ds(d, "generalization", gen, "1", "train x test accuracy", ["train_time", "test_time"])
    null = 0.25 + 0.05 * rng.standard_normal((B, T))
    ds(d, "null_accuracy", null, "1", "permutation null", ["permutation", "time"])
    ds(d, "p_value", (1 + (null >= acc).sum(axis=0)) / (1 + B), "1", "permutation p",
       ["time"])
    ds(d, "fold_ids", rng.integers(0, F, (1, trials)), "1", "fold of each trial",
       ["repeat", "trial"])
    ds(d, "trial_ids", np.arange(trials), "1", "/intervals/trials/id", ["trial"])
    return acc


def ridge(g, units, trials):
    d = g.create_group("decode/speed")
    names = ["early", "late"]
    d.attrs.update({"description": "decoding of speed", "target": "speed", "decoder": "ridge",
                    "alpha": 1.0, "folds": 5, "repeats": 1, "permutations": 0,
                    "n_trials": trials, "n_units": units, "time_mode": "windows"})
    ds(d, "time", [0.05, 0.2], "s", "window centres", ["time"])
    ds(d, "time_start", [0.0, 0.1], "s", "window start", ["time"])
    ds(d, "time_stop", [0.1, 0.3], "s", "window stop", ["time"])
    strings(d, "time_names", names, "window names", ["time"])
    ds(d, "r2", rng.uniform(0.0, 0.4, 2), "1", "cross-validated R^2", ["time"])
    ds(d, "fold_r2", rng.uniform(0.0, 0.4, (2, 5)), "1", "per fold", ["time", "fold"])


def geometry(g, units, trials):
    s = g.create_group("geometry/stimulus_ID_x_stimulus_position/response")
    C = len(CONDITIONS)
    s.attrs.update({"description": "geometry", "columns": ["stimulus_ID", "stimulus_position"],
                    "window": "response", "window_start": 0.0, "window_stop": 0.3,
                    "n_units": units, "n_trials": trials, "folds": 5, "shrinkage": 0.1,
                    "permutations": 100, "episodes": 50})
    strings(s, "condition_labels", CONDITIONS, "conditions, sorted", ["condition"])
    ds(s, "n_trials", np.full(C, trials // C), "trials", "per condition", ["condition"])
    means = rng.standard_normal((C, units))
    diff = means[:, None, :] - means[None, :, :]
    euclid = (diff ** 2).sum(axis=2) / units
    ds(s, "rdm_euclidean", euclid, "spikes^2", "squared distance / units",
       ["condition", "condition"])
    ds(s, "rdm_correlation", 1 - np.corrcoef(means), "1", "1 - Pearson r",
       ["condition", "condition"])
    ds(s, "rdm_crossnobis", euclid + 0.05 * rng.standard_normal((C, C)), "1",
       "crossnobis / units", ["condition", "condition"])
    rdms, models, methods = ["euclidean", "correlation", "crossnobis"], ["stimulus_ID",
                                                                          "stimulus_position"], \
        ["spearman", "kendall_tau_a", "cosine"]
    strings(s, "rdm_names", rdms, "measured RDMs", ["rdm"])
    strings(s, "model_names", models, "model RDMs", ["model"])
    strings(s, "method_names", methods, "comparison methods", ["method"])
    parts = [c.split("|") for c in CONDITIONS]
    ds(s, "models", np.array([[[float(a[i] != b[i]) for b in parts] for a in parts]
                              for i in range(2)]), "1", "model RDMs",
       ["model", "condition", "condition"])
    ds(s, "comparison", rng.uniform(-0.2, 0.8, (3, 2, 3)), "1", "similarity",
       ["rdm", "model", "method"])
    ds(s, "comparison_p", rng.uniform(0.001, 0.5, (3, 2, 3)), "1", "permutation p",
       ["rdm", "model", "method"])
    m = s.create_group("manifold")
    m.attrs["description"] = "few-shot manifold geometry"
    ds(m, "shots", SHOTS, "trials", "training examples per class", ["shot"])
    for name in ["radius2", "dimension", "dimension_split"]:
        ds(m, name, rng.uniform(1, 5, C), "1", name, ["condition"])
    for name in ["signal", "bias", "csa", "csb", "ss"]:
        v = rng.uniform(0, 1, (C, C))
        np.fill_diagonal(v, np.nan)
        ds(m, name, v, "1", name, ["condition", "condition"])
    emp = 0.4 / np.sqrt(np.array(SHOTS))[None, None, :] * rng.uniform(0.5, 1, (C, C, 1))
    pred = emp + 0.02 * rng.standard_normal((C, C, len(SHOTS)))
    for v in (emp, pred):
        v[np.arange(C), np.arange(C), :] = np.nan
    ds(m, "predicted_error", pred, "1", "H(SNR)", ["condition", "condition", "shot"])
    ds(m, "empirical_error", emp, "1", "m-shot error", ["condition", "condition", "shot"])


def stack_resamples(root, R=3):
    """The pooled layout: every numeric dataset but the time coordinate becomes
    [resample, ...], float ones with <name>_mean and <name>_sd beside them."""
    found = []
    root.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset)
                    and obj.dtype.kind in "fiu" and name.rsplit("/", 1)[-1] != "time" else None)
    for name in found:
        d = root[name]
        value, a, labels_ = d[()], dict(d.attrs), [dim.label for dim in d.dims]
        del root[name]
        noise = 0.01 * rng.standard_normal((R,) + np.shape(value)) if d.dtype.kind == "f" else 0
        stacked = np.stack([value] * R) + noise
        ds(root, name, stacked, a["units"], "per resample: " + a["description"],
           ["resample"] + labels_)
        if d.dtype.kind == "f":
            ds(root, name + "_mean", stacked.mean(axis=0), a["units"], "mean over resamples",
               labels_)
            ds(root, name + "_sd", stacked.std(axis=0, ddof=1), a["units"], "s.d. over "
               "resamples", labels_)


def animal_summary(g, T):
    """Per-animal values of one statistic, their mean and a bootstrap CI over animals."""
    animals = ["A", "B"]
    g.attrs.update({"animals": 2, "bootstrap": 1000, "ci": "percentile 95% bootstrap"})
    strings(g, "animals", animals, "animals", ["animal"])
    stat, shape = ("accuracy", (2, T)) if T else ("participation_ratio", (2,))
    values = rng.uniform(0.3, 0.8, shape)
    dims = ["animal", "time"][:len(shape)]
    ds(g, "animal_" + stat, values, "1", "per animal", dims)
    ds(g, "animal_p_" + stat, rng.uniform(0, 0.1, shape), "1", "per animal p", dims)
    ds(g, stat + "_mean_over_animals", values.mean(axis=0), "1", "mean", dims[1:])
    ds(g, stat + "_ci_low", values.min(axis=0), "1", "CI low", dims[1:])
    ds(g, stat + "_ci_high", values.max(axis=0), "1", "CI high", dims[1:])


def main(path, part):
    """part: 'sessions' (/sessions and the cross-session summary), 'pooled' (/pseudo and the
    per-animal summaries) or 'all'."""
    with h5py.File(path, "w") as f:
        f.attrs.update({"neuropop_version": "0.1.0", "description": "neuropop results",
                        "job": "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.3\n",
                        "job_file": "synthetic.ini", "created": "2026-01-01T00:00:00Z",
                        "seed": 7, "ranks": 1, "threads": 1})
        inv = f.create_group("inventory/sessions")
        strings(inv, "key", list(SESSIONS), "session keys", ["session"])
        strings(inv, "subject", [s for s, _ in SESSIONS.values()], "subjects", ["session"])
        if part in ("sessions", "all"):
            write_sessions(f)
        if part in ("pooled", "all"):
            write_pooled(f)


def write_sessions(f):
    accs = []
    for i, (key, (subject, regions)) in enumerate(SESSIONS.items()):
        for region in regions:
            g = f.create_group(f"sessions/{key}/{region}")
            g.attrs.update({"session": key, "subject": subject, "region": region})
            units, trials = 6 + i, 48
            b = f.create_group(f"binned/{key}/{region}")
            ds(b, "unit_ids", np.arange(units), "1", "unit ids", ["unit"])
            ds(b, "trial_index", np.arange(trials), "1", "trial rows", ["trial"])
            pca(g, units)
            cvpca(g, units)
            if region == "VISp":
                accs.append(classification(g, units, trials))
                ridge(g, units, trials)
                geometry(g, units, trials)
    cross_session_summary(f, accs)


def write_pooled(f):
    p = f.create_group("pseudo/VISp")
    p.attrs.update({"description": "pseudo-population", "region": "VISp"})
    pca(p, 21)
    classification(p, 21, 48)
    geometry(p, 21, 48)
    stack_resamples(p)
    d = p["decode/stimulus"]
    null = 0.25 + 0.05 * rng.standard_normal((B, len(TIME)))
    ds(d, "p_accuracy", (1 + (null >= d["accuracy_mean"][()]).sum(axis=0)) / (1 + B), "1",
       "p of the mean over resamples against the pooled null", ["time"])
    animal_summary(f.create_group("summary/VISp/pseudo/decode/stimulus"), len(TIME))
    animal_summary(f.create_group("summary/VISp/pseudo/pca/response"), None)


def cross_session_summary(f, accs):
    s = f.create_group("summary/VISp/decode/stimulus")
    s.attrs.update({"description": "stimulus across sessions", "alpha": 0.05,
                    "combination": "fisher", "n_sessions": 3,
                    "fdr": "benjamini-hochberg over every region and time point"})
    strings(s, "sessions", list(SESSIONS), "session keys", ["session"])
    ds(s, "time", TIME, "s", "bin centres", ["time"])
    strings(s, "time_names", [f"bin_{i}" for i in range(len(TIME))], "names", ["time"])
    acc = np.array(accs)
    ds(s, "accuracy", acc, "1", "per session", ["session", "time"])
    ds(s, "p_value", np.where(acc > 0.4, 0.01, 0.6), "1", "per session", ["session", "time"])
    ds(s, "mean_accuracy", acc.mean(axis=0), "1", "mean", ["time"])
    ds(s, "fisher_p", np.where(acc.mean(axis=0) > 0.4, 1e-4, 0.7), "1", "Fisher", ["time"])
    ds(s, "q_value", np.where(acc.mean(axis=0) > 0.4, 1e-3, 0.8), "1", "BH q", ["time"])
    ds(s, "significant", (acc.mean(axis=0) > 0.4).astype(np.int64), "1", "q <= alpha",
       ["time"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "all")
