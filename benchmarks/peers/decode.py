#!/usr/bin/python3
"""Peer of neuropop_bench_decode: scikit-learn (and MNE, when installed) on the same counts and
the same folds, timing what a user would write, and comparing accuracies with neuropop's.

usage: decode.py DIR [repeats=1] [generalization=1]

DIR holds what `neuropop_bench_decode data=DIR` wrote: x.f64 [bins, trials, units],
labels.i32, folds.i32 (neuropop's stratified fold ids), accuracy_logistic.f64,
accuracy_lda.f64, generalization_logistic.f64 [train bin, test bin] and meta.txt.

Per bin and fold: make_pipeline(StandardScaler(), LogisticRegression(solver='lbfgs', C=1,
max_iter=10000)) — scikit-learn's default tol=1e-4, multinomial for > 2 classes — and
LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto'). Temporal generalisation: MNE's
GeneralizingEstimator around the same logistic pipeline, fitted per fold (python3-mne); without
MNE the same fit-per-time, score-at-every-time loop in scikit-learn (what GeneralizingEstimator
runs), reported with tool=sklearn-loop and mne=not-installed.

Prints `peer=decode_<what> tool=... seconds=<best> cpu_seconds=<best> check=<text> ok=<1|0>`
lines; ok=1 when every accuracy is within 0.01 of neuropop's (accuracy ±0.01, the goal's
correctness condition).
"""
import os

os.environ.setdefault("MNE_TQDM", "off")  # MNE's progress bars would flood the log
import warnings

import numpy as np
import sklearn
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from peer_util import peer_args, read_meta, timed


def logistic():
    return make_pipeline(StandardScaler(),
                         LogisticRegression(solver="lbfgs", C=1.0, max_iter=10000))


def lda():
    return make_pipeline(StandardScaler(),
                         LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))


def per_bin_accuracy(x, y, folds, make):
    """Cross-validated accuracy per bin, pooled over folds (as neuropop pools it)."""
    bins = x.shape[0]
    correct = np.zeros(bins)
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        for b in range(bins):
            model = make().fit(x[b][train], y[train])
            correct[b] += np.sum(model.predict(x[b][test]) == y[test])
    return correct / y.size


def sklearn_gtol_as_relative(x, y, folds):
    """scikit-learn's lbfgs stops when max|gradient| <= tol = 1e-4 on its objective
    Σ loss + ‖W‖²/(2C); neuropop's objective is C times that, and its `tolerance` is relative to
    max|gradient at zero|. The relative tolerance that is never looser than sklearn's absolute
    1e-4 on any of these fits is 1e-4 / max over fits of max|gradient at zero| (sklearn's scale:
    Xᵀ(1/K − Y) and n/K − n_k on the standardised training rows)."""
    classes = int(y.max()) + 1
    worst = 0.0
    for f in np.unique(folds):
        train = folds != f
        onehot = np.eye(classes)[y[train]]
        for b in range(x.shape[0]):
            xs = StandardScaler().fit_transform(x[b][train])
            g = xs.T @ (1.0 / classes - onehot)
            gb = train.sum() / classes - onehot.sum(0)
            worst = max(worst, np.abs(g).max(), np.abs(gb).max())
    return 1e-4 / worst


def generalization_sklearn(x, y, folds, make):
    bins = x.shape[0]
    correct = np.zeros((bins, bins))
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        for t in range(bins):
            model = make().fit(x[t][train], y[train])
            for u in range(bins):
                correct[t, u] += np.sum(model.predict(x[u][test]) == y[test])
    return correct / y.size


def generalization_mne(x, y, folds, make):
    from mne.decoding import GeneralizingEstimator
    data = np.ascontiguousarray(x.transpose(1, 2, 0))  # [trials, units, bins], MNE's layout
    bins = x.shape[0]
    correct = np.zeros((bins, bins))
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        gen = GeneralizingEstimator(make(), scoring="accuracy", n_jobs=1, verbose=False)
        gen.fit(data[train], y[train])
        correct += gen.score(data[test], y[test]) * np.count_nonzero(test)
    return correct / y.size


def report(name, tool, seconds, cpu, ours, theirs, extra="", extra_ok=True):
    diff = np.abs(np.asarray(ours) - np.asarray(theirs))
    ok = int(diff.max() <= 0.01 + 1e-12 and extra_ok)
    print("peer=%s tool=%s sklearn=%s seconds=%.6g cpu_seconds=%.6g mean_accuracy=%.6f "
          "max_abs_accuracy_diff=%.6f mean_abs_accuracy_diff=%.6f check=accuracy_within_0.01 "
          "ok=%d%s" % (name, tool, sklearn.__version__, seconds, cpu, np.mean(theirs),
                       diff.max(), diff.mean(), ok, extra), flush=True)


def main():
    folder, opts = peer_args({"repeats": 1, "generalization": 1})
    repeats = max(1, opts["repeats"])
    meta = {k: (float(v) if k == "tolerance" else int(v))
            for k, v in read_meta(os.path.join(folder, "meta.txt")).items()}
    bins, trials, units = meta["bins"], meta["trials"], meta["units"]
    x = np.fromfile(os.path.join(folder, "x.f64"), dtype="<f8").reshape(bins, trials, units)
    y = np.fromfile(os.path.join(folder, "labels.i32"), dtype="<i4")
    folds = np.fromfile(os.path.join(folder, "folds.i32"), dtype="<i4")
    warnings.simplefilter("error")  # a ConvergenceWarning would make the timing meaningless

    # neuropop's stopping rule must be at least as tight as scikit-learn's on every fit, so the
    # speed-up does not come from stopping earlier.
    gtol = sklearn_gtol_as_relative(x, y, folds)
    ours_tol = float(meta.get("tolerance", 0.0))
    tol_ok = 0 < ours_tol <= gtol
    tol_text = " neuropop_tolerance=%g sklearn_gtol_as_relative=%.3g tolerance_at_least_as_tight=%d" \
        % (ours_tol, gtol, tol_ok)
    ours = np.fromfile(os.path.join(folder, "accuracy_logistic.f64"), dtype="<f8")
    s, c, acc = timed(repeats, lambda: per_bin_accuracy(x, y, folds, logistic))
    report("decode_logistic", "sklearn.LogisticRegression(lbfgs,tol=1e-4)", s, c, ours, acc,
           tol_text, tol_ok)

    ours = np.fromfile(os.path.join(folder, "accuracy_lda.f64"), dtype="<f8")
    s, c, acc = timed(repeats, lambda: per_bin_accuracy(x, y, folds, lda))
    report("decode_lda", "sklearn.LinearDiscriminantAnalysis(lsqr,auto)", s, c, ours, acc)

    if opts["generalization"] and meta.get("generalization", 0):
        ours = np.fromfile(os.path.join(folder, "generalization_logistic.f64"), dtype="<f8")
        try:
            import mne
            tool, extra, run = "mne.GeneralizingEstimator", " mne=%s" % mne.__version__, \
                generalization_mne
        except ImportError:
            print("note: mne not installed (Debian python3-mne); temporal generalisation is "
                  "timed with the scikit-learn loop GeneralizingEstimator runs", flush=True)
            tool, extra, run = "sklearn-loop", " mne=not-installed", generalization_sklearn
        s, c, acc = timed(repeats, lambda: run(x, y, folds, logistic))
        report("decode_generalization", tool, s, c, ours.ravel(), acc.ravel(), extra + tol_text,
               tol_ok)


if __name__ == "__main__":
    main()
