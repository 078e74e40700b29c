#!/usr/bin/python3
"""Short text summary of a neuropop results file: per region, the participation ratio
(plug-in and split-half) of each PCA window, the cvPCA power-law exponent and the FA shared
variance, as median over sessions. Read with h5py, so it needs python3-h5py only."""
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
            r = rows.pop(region) if False else rows[region]
            print(f"  region {region}: {r['sessions']} sessions (medians over sessions)")
            for key in sorted(k for k in r if k != "sessions"):
                print(f"    {key:<46} {statistics.median(r[key]):8.3f}")


for p in sys.argv[1:]:
    summarise(p)
