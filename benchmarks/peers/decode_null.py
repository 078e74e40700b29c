#!/usr/bin/python3
"""Peer of neuropop_bench_decode_null: scikit-learn's permutation_test_score on the same bin of
counts, the same decoders and the same folds scheme, timing what a user would write.

usage: decode_null.py DIR [repeats=1]

DIR holds what `neuropop_bench_decode_null data=DIR` wrote: x.f64 [trials, units], labels.i32,
folds.i32 (neuropop's stratified fold ids for the real labels), ridge_folds.i32 (its shuffled
folds for ridge) and meta.txt (sizes, and neuropop's real-label scores).

Classifiers: permutation_test_score(make_pipeline(StandardScaler(), clf), X, y,
cv=StratifiedKFold(folds, shuffle=True), n_permutations=P) — the folds re-stratified for every
permuted label vector, as neuropop's PermuteAll null redraws them — with
LogisticRegression(solver='lbfgs', C=1, max_iter=10000) (default tol 1e-4) and
LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto'). Ridge: Ridge(alpha) with the
target shuffled over neuropop's own (fixed) folds, passed as explicit splits.

Check (untimed): the real-label score on neuropop's folds — accuracy within 0.01 (the decode
rows' condition), ridge R² of the pooled out-of-fold predictions within 1e-8 — printed with both
null means. Prints `peer=null_<decoder> tool=... seconds=<best> cpu_seconds=<best> check=<text>
ok=<1|0>`.
"""
import os
import warnings

import numpy as np
import sklearn
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, permutation_test_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from peer_util import peer_args, read_meta, timed


def splits_of(folds):
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in np.unique(folds)]


def main():
    folder, opts = peer_args({"repeats": 1})
    meta = read_meta(os.path.join(folder, "meta.txt"))
    trials, units = int(meta["trials"]), int(meta["units"])
    n_folds, perms = int(meta["folds"]), int(meta["permutations"])
    alpha = float(meta["alpha"])
    x = np.fromfile(os.path.join(folder, "x.f64"), dtype="<f8").reshape(trials, units)
    y = np.fromfile(os.path.join(folder, "labels.i32"), dtype="<i4")
    folds = np.fromfile(os.path.join(folder, "folds.i32"), dtype="<i4")
    ridge_folds = np.fromfile(os.path.join(folder, "ridge_folds.i32"), dtype="<i4")
    warnings.simplefilter("error")  # a ConvergenceWarning would make the timing meaningless

    classifiers = {
        "null_logistic": ("sklearn.permutation_test_score(LogisticRegression(lbfgs,tol=1e-4))",
                          lambda: LogisticRegression(solver="lbfgs", C=1.0, max_iter=10000)),
        "null_lda": ("sklearn.permutation_test_score(LinearDiscriminantAnalysis(lsqr,auto))",
                     lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")),
    }
    for name, (tool, make) in classifiers.items():
        pipe = make_pipeline(StandardScaler(), make())
        cv = StratifiedKFold(n_folds, shuffle=True, random_state=0)
        s, c, (score, null, _) = timed(opts["repeats"], lambda: permutation_test_score(
            pipe, x, y, cv=cv, n_permutations=perms, random_state=0, scoring="accuracy"))
        ours = float(meta["score_" + name[5:]])
        theirs = np.mean(cross_val_predict(pipe, x, y, cv=splits_of(folds)) == y)
        diff = abs(ours - theirs)
        print("peer=%s tool=%s sklearn=%s seconds=%.6g cpu_seconds=%.6g score=%.6f "
              "sklearn_null_mean=%.6f score_diff_on_same_folds=%.6f "
              "check=real_accuracy_within_0.01 ok=%d"
              % (name, tool, sklearn.__version__, s, c, score, np.mean(null), diff,
                 int(diff <= 0.01 + 1e-12)), flush=True)

    pipe = make_pipeline(StandardScaler(), Ridge(alpha=alpha))
    splits = splits_of(ridge_folds)
    s, c, (score, null, _) = timed(opts["repeats"], lambda: permutation_test_score(
        pipe, x, y.astype(float), cv=splits, n_permutations=perms, random_state=0, scoring="r2"))
    ours = float(meta["score_ridge"])
    theirs = r2_score(y, cross_val_predict(pipe, x, y.astype(float), cv=splits))
    diff = abs(ours - theirs)
    print("peer=null_ridge tool=sklearn.permutation_test_score(Ridge(alpha=%g)) sklearn=%s "
          "seconds=%.6g cpu_seconds=%.6g score=%.6f sklearn_null_mean=%.6f "
          "score_diff_on_same_folds=%.3g check=real_r2_within_1e-8 ok=%d"
          % (alpha, sklearn.__version__, s, c, score, np.mean(null), diff, int(diff <= 1e-8)),
          flush=True)


if __name__ == "__main__":
    main()
