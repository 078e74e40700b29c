#!/usr/bin/python3
"""Prints every difference between two neuropop results files, one sorted line each, exactly
(no tolerance): "PATH" for a dataset's values, dtype or shape, "PATH@ATTR" for an attribute,
"PATH#scales" for the dimension scales attached to a dataset, "only in A|B: PATH[@ATTR]" for
objects or attributes in one file only. The root attribute `job` is reported as
"/@job(run flags)" when only the keys that do not change results differ (output.path,
run.threads, run.force, run.resume, run.quiet: what jobs::RenderScope::Results leaves out; a
merge and a single run write different files), else as "/@job".

Used by the tests of `neuropop merge` (tests/mpi, tests/slurm) to check that a merged file
differs from the single run's in exactly the documented places (engine/drivers/merge.hpp).
usage: results_diff.py A.h5 B.h5
"""
import sys

import h5py
import numpy as np

# HDF5's dimension-scale bookkeeping holds object references (addresses); the attached scales
# are compared by name instead ("#scales").
REFERENCES = {"REFERENCE_LIST", "DIMENSION_LIST"}
# Lines of the rendered job that do not change results (only [output] has a `path` key).
RUN_FLAGS = ("path =", "threads =", "force =", "resume =", "quiet =", "max_item_mb =",
             "cache_mb =")


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def job_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    if len(la) != len(lb):
        return "/@job"
    for x, y in zip(la, lb):
        if x != y and not x.startswith(RUN_FLAGS):
            return "/@job"
    return "/@job(run flags)"


def scales(ds):
    return [[s.name for s in ds.dims[i].values()] for i in range(ds.ndim)]


def objects(f):
    out = {"/": f["/"]}
    f.visititems(lambda name, obj: out.__setitem__("/" + name, obj))
    return out


def main(a_path, b_path):
    diffs = []
    with h5py.File(a_path, "r") as fa, h5py.File(b_path, "r") as fb:
        oa, ob = objects(fa), objects(fb)
        for p in sorted(set(oa) - set(ob)):
            diffs.append("only in A: " + p)
        for p in sorted(set(ob) - set(oa)):
            diffs.append("only in B: " + p)
        for p in sorted(set(oa) & set(ob)):
            x, y = oa[p], ob[p]
            if isinstance(x, h5py.Dataset) != isinstance(y, h5py.Dataset):
                diffs.append(p)
                continue
            if isinstance(x, h5py.Dataset):
                if x.dtype != y.dtype or not same(x[()], y[()]):
                    diffs.append(p)
                if scales(x) != scales(y):
                    diffs.append(p + "#scales")
            ka = set(x.attrs) - REFERENCES
            kb = set(y.attrs) - REFERENCES
            for k in sorted(ka - kb):
                diffs.append("only in A: " + p + "@" + k)
            for k in sorted(kb - ka):
                diffs.append("only in B: " + p + "@" + k)
            for k in sorted(ka & kb):
                va, vb = x.attrs[k], y.attrs[k]
                if same(va, vb):
                    continue
                if p == "/" and k == "job":
                    diffs.append(job_difference(str(va), str(vb)))
                else:
                    diffs.append(p + "@" + k)
    for d in sorted(diffs):
        print(d)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
