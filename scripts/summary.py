#!/usr/bin/python3
"""Short text summary of a neuropop results file: per region, the participation ratio
(plug-in and split-half) of each PCA window, the cvPCA power-law exponent and the FA shared
variance, as median over sessions; decoding accuracy per time window (mean over sessions, and
the time points significant after Fisher + BH in /summary); pseudo-population decoding (mean
over resamples, its pooled-null p and BH q); per ordered region pair, the communication
subspace's optimal dimension across animals. Read with h5py, so it needs python3-h5py only."""
import statistics
import sys

import h5py


def scalar(group, name):
    if name not in group:
        return None
    return float(group[name][()])


def summarise(path):
    with h5py.File(path, "r") as f:
        print(f"{path}: neuropop {f.attrs.get('neuropop_version', '?')}, "
              f"ranks {f.attrs.get('ranks', '?')}, threads {f.attrs.get('threads', '?')}")
        if "sessions" not in f:
            print("  no /sessions group")
            return
        rows = {}
        for session in f["sessions"]:
            for region, grp in f["sessions"][session].items():
                if region == "interactions" and "region" not in grp.attrs:
                    continue  # region pairs, summarised by interactions() below
                r = rows.setdefault(region, {"sessions": 0})
                r["sessions"] += 1
                if "pca" in grp:
                    for window, w in grp["pca"].items():
                        for key in ("participation_ratio", "participation_ratio_split_half"):
                            v = scalar(w, key)
                            if v is not None:
                                r.setdefault(f"{key}[{window}]", []).append(v)
                if "cvpca" in grp:
                    v = scalar(grp["cvpca"], "alpha")
                    if v is not None and v == v:
                        r.setdefault("cvpca alpha", []).append(v)
                if "fa" in grp and "shared_fraction" in grp["fa"]:
                    r.setdefault("fa shared fraction", []).append(
                        float(grp["fa"]["shared_fraction"][()].mean()))
        for region in sorted(rows):
            r = rows[region]
            print(f"  region {region}: {r['sessions']} sessions (medians over sessions)")
            for key in sorted(k for k in r if k != "sessions"):
                print(f"    {key:<46} {statistics.median(r[key]):8.3f}")
            decoding(f, region)
            pseudo(f, region)
        interactions(f)


def names(dataset):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in dataset[:]]


def decoding(f, region):
    summary = f.get(f"summary/{region}/decode")
    if summary is None:
        return
    for target, g in summary.items():
        if "mean_accuracy" not in g:
            continue
        times = names(g["time_names"]) if "time_names" in g else [f"{t:.3g}s" for t in g["time"]]
        acc, sig = g["mean_accuracy"][:], g["significant"][:]
        best = int(acc.argmax())
        print(f"    decode {target}: best mean accuracy {acc[best]:.3f} at {times[best]}; "
              f"{int(sig.sum())}/{len(sig)} time points significant (Fisher + BH, q <= 0.05)")


def pseudo(f, region):
    group = f.get(f"pseudo/{region}/decode")
    if group is None:
        return
    q_group = f.get(f"summary/{region}/pseudo/decode")
    for target, g in group.items():
        if "accuracy_mean" not in g:
            continue
        times = names(g["time_names"])
        units = len(g["pooling/unit_ids"])
        sessions = len(g["pooling/sessions"])
        parts = []
        for i, t in enumerate(times):
            text = f"{t} {g['accuracy_mean'][i]:.3f} +- {g['accuracy_sd'][i]:.3f}"
            if "p_accuracy" in g:
                text += f" (p {g['p_accuracy'][i]:.3g}"
                if q_group is not None and target in q_group and "q_accuracy" in q_group[target]:
                    text += f", q {q_group[target]['q_accuracy'][i]:.3g}"
                text += ")"
            parts.append(text)
        print(f"    pseudo-population decode {target} ({units} units of {sessions} sessions, "
              f"mean +- sd over resamples): " + "; ".join(parts))


def interactions(f):
    group = f.get("summary/interactions")
    if group is None:
        return
    for pair, g in sorted(group.items()):
        line = (f"  interactions {pair.replace('__', ' -> ')}: optimal dimension "
                f"{g['animal_mean_optimal_dimension'][()]:.2f} [{g['ci_low'][()]:.2f}, "
                f"{g['ci_high'][()]:.2f}] (mean over animals, 95% bootstrap CI)")
        if "within_area_animal_mean_optimal_dimension" in g:
            line += (f", within target "
                     f"{g['within_area_animal_mean_optimal_dimension'][()]:.2f}")
        if "fisher_p" in g:
            line += f", Fisher p {g['fisher_p'][()]:.3g}"
        print(line)


for p in sys.argv[1:]:
    summarise(p)
