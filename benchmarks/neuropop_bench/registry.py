"""The registry: one Bench per executable, one Row per line of the comparison table.
In args, "{data}" becomes a scratch folder shared by the bench and its peer.

Adding a benchmark: a Bench entry in BENCHES and one or more Row entries in ROWS below
(benchmarks/README.md, "Adding a benchmark")."""

from dataclasses import dataclass, field


@dataclass
class Bench:
    name: str  # runs build/benchmarks/neuropop_bench_<name>
    args: list  # full-size arguments
    quick_args: list  # --quick arguments
    peer: str = None  # benchmarks/peers/<peer>, run with /usr/bin/python3
    peer_args: list = field(default_factory=list)
    peer_quick_args: list = None  # default: peer_args
    timeout: int = 1800  # seconds, for the bench and for its peer
    # Instead of an executable: a Python function (build_dir, quick, data) -> (lines, peer
    # lines, notes, errors), for measurements of the whole program, named by its key in
    # runners.RUNNERS.
    runner: object = None
    target: str = None  # CMake target the runner needs (default neuropop_bench_<name>)
    # Too long for the full run: runs in --quick (at its small size), with --scale (alone, at
    # full size) or when --only names it.
    opt_in: bool = False


@dataclass
class Row:
    work: str  # str.format()ed with the keys of the selected bench line
    bench: str
    ours: dict  # key=value filter selecting our line; threads="max" = the most threads
    peer: dict = None  # filter selecting the peer's line; None: no peer
    ratio_at_least: float = None  # goal: peer seconds / our seconds
    rate_key: str = None  # goal: our line's rate_key >= rate_at_least
    rate_at_least: float = None
    rate_unit: str = ""
    per_core: bool = False  # divide rate_key by the line's threads (unless it is per core)
    goal_text: str = ""
    check_keys: tuple = ()  # peer-line keys shown after its check text, e.g. max_rel_diff
    peer_keys: tuple = ()  # peer-line keys shown after its tool name, e.g. mne
    # Goals that are not a ratio or a rate: shown = text.format(**line), met = meets(line).
    text: str = None
    meets: object = None
    limit_text: str = None  # "vs machine limit" column, formatted with our line


BENCHES = [
    Bench("stream", ["bytes=536870912", "repeats=5"], ["bytes=134217728", "repeats=3"]),
    Bench("gemm", ["n=1536", "repeats=3"], ["n=768", "repeats=2"], peer="gemm.py",
          peer_args=["n=1536", "repeats=3"], peer_quick_args=["n=768", "repeats=2"]),
    Bench("binning",
          ["units=400", "spikes=20000000", "trials=400", "bins=50", "repeats=5", "data={data}"],
          ["units=100", "spikes=4000000", "trials=400", "bins=50", "repeats=3", "data={data}"],
          peer="binning.py", peer_args=["{data}", "repeats=3"],
          peer_quick_args=["{data}", "repeats=2"]),
    # --quick: one simulate() takes ~6 ms, and the first calls of the process also pay the
    # thread pool's start and the heap's growth (measured: 2 repeats gave 0.8e7 spikes per
    # CPU-second on a loaded machine, 10 repeats 2.2e7 with the same binary), so the best of 10.
    Bench("generate", [], ["--units", "100", "--trials", "100", "--repeats", "10"]),
    Bench("pca", ["repeats=3", "data={data}"], ["--quick", "repeats=2", "data={data}"],
          peer="pca.py", peer_args=["{data}", "repeats=3"],
          peer_quick_args=["{data}", "repeats=2"]),
    # tolerance=1e-6 (relative to the gradient at zero): at least as tight as scikit-learn's
    # gtol=1e-4 on every fit of this data; the peer checks it (sklearn_gtol_as_relative).
    Bench("decode", ["repeats=3", "tolerance=1e-6", "data={data}"],
          ["bins=10", "repeats=2", "tolerance=1e-6", "data={data}"],
          peer="decode.py", peer_args=["{data}", "repeats=1"]),
    # The permutation nulls of one bin (the real labels + 100 permuted), as
    # permutation_test_score does them; same tolerance as the decode bench.
    Bench("decode_null", ["repeats=3", "tolerance=1e-6", "data={data}"],
          ["permutations=20", "repeats=2", "tolerance=1e-6", "data={data}"],
          peer="decode_null.py", peer_args=["{data}", "repeats=1"]),
    Bench("geometry", ["repeats=2", "data={data}"],
          ["conditions=32", "units=1000", "trials=3200", "episodes=20", "repeats=1",
           "data={data}"],
          peer="geometry.py", peer_args=["{data}", "repeats=2"],
          peer_quick_args=["{data}", "repeats=1"]),
    # The coupling analysis's stimulus-only (uncoupled) fit, 1 thread, against scikit-learn.
    Bench("poisson_glm", ["repeats=3", "data={data}"],
          ["trials=200", "units=10", "repeats=2", "data={data}"],
          peer="poisson_glm.py", peer_args=["{data}", "repeats=3"],
          peer_quick_args=["{data}", "repeats=1"]),
    Bench("rrr", ["repeats=3", "data={data}"],
          ["n=1500", "p=60", "k=40", "ranks=10", "repeats=2", "data={data}"],
          peer="rrr.py", peer_args=["{data}", "repeats=1"]),
    # Brain <-> network: 50 layers x 1 000 stimuli x 4 096 features against 100 populations;
    # --quick: 8 layers x 300 stimuli x 1 024 features against 20 populations.
    Bench("models", ["repeats=1", "data={data}"],
          ["layers=8", "stimuli=300", "features=1024", "populations=20", "repeats=1",
           "data={data}"],
          peer="models.py", peer_args=["{data}", "repeats=1"], timeout=3600),
    # Mean-field manifold capacity of 50 class manifolds x 50 points in 1 000 dimensions, 200
    # Gaussian vectors each, 10 restarts of the centre-correlation removal per rank; --quick:
    # 20 x 20 points in 200 dimensions. The peer is a numpy/scipy port of the same algorithm on
    # the same draws.
    Bench("capacity", ["repeats=1", "data={data}"],
          ["manifolds=20", "points=20", "dims=200", "repeats=1", "data={data}"],
          peer="capacity.py", peer_args=["{data}", "repeats=1"]),
    # end_to_end and pseudo_decoding are in runners.py; looked up by name when the run starts.
    Bench("end_to_end", [], [], runner="end_to_end", target="neuropop"),
    Bench("pseudo_decoding", [], [], runner="pseudo_decoding", target="neuropop", timeout=3600),
    # A study at two sizes on 1 and 2 ranks, and the cluster projection (scale.py).
    Bench("scale", [], [], runner="scale", target="neuropop", opt_in=True),
    # The final merge alone at 5 000 and 20 000 results datasets (--quick: 1 000, 4 000) on
    # 1, 2 and 4 ranks (runners.merge runs bench_merge.cpp under mpirun).
    Bench("merge", [], [], runner="merge", target="neuropop_bench_merge", opt_in=True),
]

BINNING_WORK = ("binning: {units} units, {spikes} spikes, {trials} trials x {bins} bins, "
                "{threads} thread(s)")
ROWS = [
    Row(BINNING_WORK, "binning", {"bench": "binning", "threads": "1"}, peer={"peer": "binning"},
        ratio_at_least=3.0, goal_text=">= 3x numpy"),
    Row(BINNING_WORK, "binning", {"bench": "binning", "threads": "max"},
        peer={"peer": "binning"}, ratio_at_least=3.0, goal_text=">= 3x numpy"),
    Row("generate: {units} units, {trials} trials, {spikes} spikes, {threads} thread(s)",
        "generate", {"bench": "generate", "threads": "1"}, rate_key="spikes_per_cpu_s",
        rate_at_least=20e6, rate_unit="spikes/s per core", goal_text=">= 20 M spikes/s per core"),
    Row("generate: {units} units, {trials} trials, {spikes} spikes, {threads} thread(s)",
        "generate", {"bench": "generate", "threads": "max"}, rate_key="spikes_per_cpu_s",
        rate_at_least=20e6, rate_unit="spikes/s per core", goal_text=">= 20 M spikes/s per core"),
]

PCA_WORK = "pca: {rows} x {cols} doubles, centre + covariance + eigh, {threads} thread(s)"
PCA_LIMIT = ("covariance {cov_gflops} GFLOP/s (n p (p+1) flops; Eigen X^T X rate in the machine"
             " limits), eigh {eigh_seconds} s")
for _threads in ("1", "max"):
    ROWS.append(Row(PCA_WORK, "pca", {"bench": "pca", "threads": _threads},
                    peer={"peer": "pca", "tool": "numpy", "threads": _threads},
                    ratio_at_least=1 / 1.1, check_keys=("max_rel_diff",),
                    limit_text=PCA_LIMIT, goal_text="<= 1.1x numpy's time (ratio >= 0.91)"))
ROWS.append(Row(PCA_WORK.replace("pca:", "pca vs sklearn:"), "pca",
                {"bench": "pca", "threads": "max"}, peer={"peer": "pca", "tool": "sklearn"},
                ratio_at_least=20.0, check_keys=("max_rel_diff",), limit_text=PCA_LIMIT,
                goal_text=">= 20x sklearn PCA(svd_solver='full')"))

DECODE_WORK = ("{bench}: {trials} trials x {units} units x {bins} bins, {classes} classes, "
               "{folds}-fold CV, {threads} thread(s)")
for _name, _goal in (("decode_logistic", 20.0), ("decode_lda", 5.0),
                     ("decode_generalization", 10.0)):
    for _threads in ("1", "max"):
        ROWS.append(Row(DECODE_WORK, "decode", {"bench": _name, "threads": _threads},
                        peer={"peer": _name}, ratio_at_least=_goal,
                        check_keys=("max_abs_accuracy_diff", "neuropop_tolerance",
                                    "sklearn_gtol_as_relative"), peer_keys=("mne",),
                        goal_text=">= %gx peer" % _goal))

NULL_WORK = ("{bench}: permutation null, {trials} trials x {units} units, {classes} classes, "
             "{folds}-fold CV, real + {permutations} permutations, {threads} thread(s)")
for _name, _goals in (("null_logistic", {"1": 20.0, "max": 35.0}),
                      ("null_lda", {"1": 30.0, "max": 30.0}),
                      ("null_ridge", {"1": 30.0, "max": 30.0})):
    for _threads, _goal in _goals.items():
        ROWS.append(Row(NULL_WORK, "decode_null", {"bench": _name, "threads": _threads},
                        peer={"peer": _name}, ratio_at_least=_goal,
                        check_keys=("score_diff_on_same_folds", "score", "sklearn_null_mean"),
                        goal_text=">= %gx sklearn permutation_test_score" % _goal))

for _threads in ("1", "max"):
    ROWS.append(Row("crossnobis RDM: {conditions} conditions x {units} units x {trials} trials, "
                    "{folds} folds, Ledoit-Wolf noise, {threads} thread(s)", "geometry",
                    {"bench": "geometry_crossnobis", "threads": _threads},
                    peer={"peer": "geometry_crossnobis"}, ratio_at_least=5.0,
                    check_keys=("max_rel_diff",), goal_text=">= 5x numpy",
                    limit_text="{gflop} GFLOP: Gram matrices P N(N+1) + per-fold Cholesky "
                               "F N^3/3; peak memory {extra_rss_mb} MB beyond the "
                               "{input_mb} MB input"))
for _threads in ("1", "max"):
    ROWS.append(Row("few-shot geometry: {conditions} conditions x {samples} samples x {units} "
                    "units, m = {shots}, {episodes} episodes per (a, b, m), {threads} thread(s)",
                    "geometry", {"bench": "geometry_fewshot", "threads": _threads},
                    peer={"peer": "geometry_fewshot"}, ratio_at_least=5.0,
                    check_keys=("max_rel_diff", "empirical_mean_z", "geometry_seconds"),
                    goal_text=">= 5x numpy",
                    limit_text="without episodes: {geometry_seconds} s; peak memory "
                               "{extra_rss_mb} MB beyond the input"))

# Penalty matched: PoissonRegressor(alpha = lambda / rows) minimises the same objective
# (benchmarks/peers/poisson_glm.py).
ROWS.append(Row("Poisson GLM (coupling's uncoupled model): {fits} fits of {rows} bins x {cols} "
                "stimulus columns, L2 lambda {lambda} on the summed log-likelihood, "
                "{threads} thread", "poisson_glm", {"bench": "poisson_glm", "threads": "1"},
                peer={"peer": "poisson_glm", "tool": "sklearn-newton-cholesky"},
                ratio_at_least=5.0, check_keys=("max_abs_coef_diff",),
                goal_text=">= 5x sklearn PoissonRegressor(newton-cholesky, alpha = lambda / n, "
                          "tol 1e-8)"))
# For information: scikit-learn given the same pooling of the repeated (condition, bin) rows.
ROWS.append(Row("Poisson GLM as above, scikit-learn on the pooled (condition, bin) rows with "
                "sample weights, {threads} thread", "poisson_glm",
                {"bench": "poisson_glm", "threads": "1"},
                peer={"peer": "poisson_glm", "tool": "sklearn-newton-cholesky-pooled"},
                check_keys=("max_abs_coef_diff",), goal_text="(information)"))
# Communication subspace: the RRR rank curve and the ridge curve, 10-fold, one thread each.
ROWS.append(Row("communication subspace: {n} datapoints, {p} source x {k} target units, RRR ranks "
                "0..{ranks} + ridge over {lambdas} lambdas, {folds}-fold CV, {threads} thread(s)",
                "rrr", {"bench": "rrr", "threads": "1"}, peer={"peer": "rrr"},
                ratio_at_least=10.0, check_keys=("max_abs_diff",),
                goal_text=">= 10x numpy.linalg + sklearn Ridge"))
ROWS.append(Row("brain <-> network: {layers} layers x {stimuli} stimuli x {features} features vs "
                "{populations} populations of {units} units: CKA (plain, debiased), RSA "
                "(Spearman, cosine), {threads} thread", "models",
                {"bench": "models", "threads": "1"}, peer={"peer": "models"},
                ratio_at_least=10.0, check_keys=("max_abs_diff",),
                goal_text=">= 10x numpy"))

# End to end: the peer line is the same job on 1 rank, ours on 2 ranks, so the ratio is the
# speed-up from the second rank.
ROWS.append(Row("end to end: neuropop run, {sessions} sessions x {regions} regions x {units} "
                "units x {trials} trials ({items} work items), 2 ranks x {threads} thread vs 1",
                "end_to_end", {"bench": "end_to_end", "ranks": "2"},
                peer={"peer": "end_to_end", "ranks": "1"}, ratio_at_least=1.7,
                goal_text=">= 1.7x from 1 to 2 ranks"))
# The IT pseudo-population (21 sessions pooled, 132 units), 7-object decoding, R resamples
# and B nulls, on 2 ranks against the same job on 1 rank.
ROWS.append(Row("pseudo-population decoding: IT, 21 sessions pooled into 132 units, 7 objects, "
                "{resamples} resamples x {nulls} nulls, logistic 5-fold; 2 ranks x 1 thread vs 1 "
                "(decoders/s: {decoders_per_s_1} on 1 rank, {decoders_per_s_2} on 2; accuracy "
                "{accuracy}, p {p})",
                "pseudo_decoding", {"bench": "pseudo_decoding", "ranks": "2"},
                peer={"peer": "pseudo_decoding", "ranks": "1"}, ratio_at_least=1.7,
                goal_text=">= 1.7x from 1 to 2 ranks"))
ROWS.append(Row("peak memory per rank: the same job, 2 ranks (largest item: {largest_item})",
                "end_to_end", {"bench": "end_to_end_memory"},
                text=("max RSS rank 0 {rank0_mb} MB, rank 1 {rank1_mb} MB; bound {bound_mb} MB"
                      " = baseline {baseline_mb} (1-item job, 2 ranks) + 2 x largest item "
                      "{item_mb} (counts as float64) + units^2 x 8 B {gram_mb}"),
                meets=lambda d: max(float(d["rank0_mb"]), float(d["rank1_mb"]))
                <= float(d["bound_mb"]),
                goal_text="<= 2x largest work item + O(units^2) (+ process baseline)"))


# Scale: the large study on 2 ranks against 1 (the ratio is the second rank's speed-up), and how
# memory, bytes and the merge grow from the small study to the large one (scale.py states the
# goals' tolerances).
for _study in ("small", "large"):
    ROWS.append(Row("scale: {sessions} sessions x {regions} regions x {units} units x {trials} "
                    "trials ({nwb_gb} GB NWB, {spikes} spikes, {items} items, {items_per_s} "
                    "items/s), 2 ranks x {threads} thread vs 1", "scale",
                    {"bench": "scale", "study": _study}, peer={"peer": "scale", "study": _study},
                    goal_text="— (measured)",
                    limit_text="peak RSS {rss_mb} MB per rank; read {bytes_read_gb} GB (NWB "
                               "{sources_gb}, item files {item_files_gb}; /binned {binned_gb}), "
                               "written {bytes_written_gb} GB; merge {merge_s} s for {datasets} "
                               "datasets ({merge_ms_per_dataset} ms each)"))
ROWS.append(Row("scale growth: {sessions} sessions, 2 ranks", "scale", {"bench": "scale_growth"},
                text=("peak RSS +{rss_growth_pct} %; bytes read x{bytes_read_ratio} for NWB "
                      "x{nwb_ratio}; merge time per dataset x{merge_per_dataset_ratio}"),
                meets=lambda d: d["rss_ok"] == "1" and d["bytes_linear_ok"] == "1"
                and d["merge_ok"] == "1",
                goal_text="RSS < +20 %; bytes read linear in NWB size (10 %); merge per "
                          "dataset constant (x1.5)"))

# The final merge: 2 and 4 ranks against 1 at the larger dataset count (goal: 2 ranks <= 0.7 x
# the time of 1), and each rank's peak memory during the merge (goal: <= 100 MB at 20 000
# datasets and flat from 5 000 to 20 000; "flat" taken as < 20 % growth).
for _ranks in ("2", "4"):
    ROWS.append(Row("merge: {datasets} results datasets ({items} item files), {ranks} ranks vs 1",
                    "merge", {"bench": "merge", "ranks": _ranks, "size": "large"},
                    peer={"peer": "merge", "size": "large"},
                    ratio_at_least=1 / 0.7 if _ranks == "2" else None,
                    goal_text=">= 1.43x (2 ranks <= 0.7 x 1 rank)" if _ranks == "2" else "—",
                    limit_text="plan {plan_s} s, create + write {create_write_s} s, serial pass "
                               "{serial_pass_s} s; peak RSS per rank {peak_rss_mb} MB"))
ROWS.append(Row("merge memory: peak RSS of any rank, {small} and {large} datasets", "merge",
                {"bench": "merge_memory"},
                text="{small_mb} MB and {large_mb} MB (+{growth_pct} %)",
                meets=lambda d: float(d["large_mb"]) <= 100 and float(d["growth_pct"]) < 20,
                goal_text="<= 100 MB at the larger count, < 20 % growth"))
ROWS.append(Row("manifold capacity (mean-field, anchor points by NNLS, centre-correlation "
                "removal): {manifolds} manifolds x {points} points in {dims} dimensions, "
                "{samples} samples, {restarts} restarts, {threads} thread", "capacity",
                {"bench": "capacity", "threads": "1"}, peer={"peer": "capacity"},
                ratio_at_least=10.0, check_keys=("max_rel_diff",),
                goal_text=">= 10x a numpy/scipy port of the same algorithm"))
