#!/usr/bin/python3
"""Peer of neuropop_bench_gemm: numpy's double-precision n x n product (OpenBLAS when
libopenblas0-pthread is installed), on one thread and on all of them.

usage: gemm.py [n=1536] [repeats=3]

Prints `peer=gemm threads=<t> n=<n> seconds=<best> gflops=<2 n^3 / s / 1e9> blas=<api>` lines.
"""
import os
import sys
import time

import numpy as np
import threadpoolctl


def main():
    opts = {"n": 1536, "repeats": 3}
    for arg in sys.argv[1:]:
        key, value = arg.split("=", 1)
        opts[key] = int(value)
    n, repeats = opts["n"], max(1, opts["repeats"])
    rng = np.random.default_rng(7)
    a = rng.random((n, n)) - 0.5
    b = rng.random((n, n)) - 0.5
    c = np.empty((n, n))
    info = threadpoolctl.threadpool_info()
    blas = next((i for i in info if i.get("user_api") == "blas"), {})
    api = blas.get("internal_api", "none")
    version = blas.get("version", "unknown")
    all_threads = blas.get("num_threads", os.cpu_count() or 1)
    for threads in sorted({1, all_threads}):
        with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                np.matmul(a, b, out=c)
                best = min(best, time.perf_counter() - t0)
        print("peer=gemm threads=%d n=%d seconds=%.6g gflops=%.4g blas=%s blas_version=%s"
              % (threads, n, best, 2.0 * n ** 3 / best / 1e9, api, version))


if __name__ == "__main__":
    main()
