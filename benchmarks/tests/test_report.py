"""The report (neuropop_bench/report.py): machine limits, one comparison row per registry Row,
the Markdown text and the CSV, from hand-written bench and peer lines."""

import csv
import os
import tempfile
import unittest

from neuropop_bench import registry, report
from neuropop_bench.registry import Row


def outputs(**benches):
    return {name: (ours, peer, notes) for name, (ours, peer, notes) in benches.items()}


RATIO_ROW = Row("w: {units} units, {threads} thread(s)", "b", {"bench": "b", "threads": "1"},
                peer={"peer": "b"}, ratio_at_least=3.0, goal_text=">= 3x",
                check_keys=("max_rel_diff",), peer_keys=("mne",))


class MachineLimits(unittest.TestCase):
    def test_stream_gemm_and_pca_lines(self):
        out = outputs(
            stream=([{"bench": "stream", "op": "sum", "threads": "1", "gbps": "20.6"},
                     {"bench": "stream", "op": "copy", "threads": "1", "gbps": "19.9"}], [], []),
            gemm=([{"bench": "gemm", "n": "768", "threads": "1", "simd": "AVX", "gflops": "39.5"}],
                  [{"peer": "gemm", "blas": "openblas", "n": "768", "threads": "2",
                    "gflops": "103"}], []),
            pca=([{"bench": "pca_gemm", "rows": "6", "cols": "4", "threads": "1",
                   "gflops": "40"}], [], []))
        limits, stream_gbps = report.machine_limits(out)
        self.assertEqual(limits, [
            ("memory streaming, sum, 1 thread(s)", "20.6 GB/s"),
            ("memory streaming, copy, 1 thread(s)", "19.9 GB/s"),
            ("Eigen GEMM n=768, 1 thread (AVX)", "39.5 GFLOP/s"),
            ("Eigen GEMM X^T X, 6 x 4, 1 thread (pca bench)", "40 GFLOP/s"),
            ("numpy/openblas GEMM n=768, 2 thread(s)", "103 GFLOP/s")])
        self.assertEqual(stream_gbps, {"1": 20.6})


class Comparison(unittest.TestCase):
    def row(self, ours, peer, rows=(RATIO_ROW,), stream_gbps=None):
        errors = []
        table, missed = report.comparison(list(rows), outputs(b=(ours, peer, [])),
                                          stream_gbps or {}, errors)
        return table, missed, errors

    def test_ratio_met_with_cpu_time_and_checks(self):
        ours = [{"bench": "b", "units": "4", "threads": "1", "seconds": "0.5",
                 "cpu_seconds": "0.5", "checksum": "7"}]
        peer = [{"peer": "b", "tool": "numpy", "mne": "1.3", "seconds": "2", "cpu_seconds": "4",
                 "check": "same", "max_rel_diff": "1e-15", "checksum": "7", "ok": "1"}]
        table, missed, errors = self.row(ours, peer)
        self.assertEqual(table, [dict(work="w: 4 units, 1 thread(s)", peer="numpy (mne=1.3)",
                                      peer_time="2 s", ours_time="0.5 s",
                                      ratio="4x (CPU time: 8x)", goal=">= 3x", met="yes",
                                      check="same max_rel_diff=1e-15; checksum equal",
                                      limit="—")])
        self.assertEqual((missed, errors), ([], []))

    def test_ratio_missed_is_not_an_error(self):
        ours = [{"bench": "b", "units": "4", "threads": "1", "seconds": "1"}]
        peer = [{"peer": "b", "seconds": "2", "check": "same", "ok": "1"}]
        table, missed, errors = self.row(ours, peer)
        self.assertEqual((table[0]["ratio"], table[0]["met"]), ("2x", "MISSED"))
        self.assertEqual((missed, errors), (["w: 4 units, 1 thread(s)"], []))

    def test_failed_check_or_checksum_is_an_error_and_misses(self):
        ours = [{"bench": "b", "units": "4", "threads": "2", "seconds": "1", "checksum": "7"}]
        peer = [{"peer": "b", "seconds": "9", "check": "same", "checksum": "8", "ok": "1"}]
        table, missed, errors = self.row(ours, peer, rows=(Row(
            RATIO_ROW.work, "b", {"bench": "b", "threads": "max"}, peer={"peer": "b"},
            ratio_at_least=3.0),))
        self.assertEqual(table[0]["check"], "same; CHECKSUM DIFFERS")
        self.assertEqual(table[0]["met"], "MISSED")
        self.assertEqual(errors, ["w: 4 units, 2 thread(s): correctness check failed (same; "
                                  "CHECKSUM DIFFERS)"])

    def test_no_output_and_no_peer_result(self):
        table, missed, _ = self.row([], [])
        self.assertEqual((table[0]["work"], table[0]["met"]), ("w: no output", "NOT RUN"))
        self.assertEqual(missed, ["w"])
        table, missed, _ = self.row([{"bench": "b", "units": "4", "threads": "1",
                                      "seconds": "1"}], [])
        self.assertEqual((table[0]["check"], table[0]["met"]), ("peer gave no result", "MISSED"))

    def test_rate_text_and_streaming_limit(self):
        rate = Row("r {threads}", "b", {"bench": "b", "threads": "max"}, rate_key="rate",
                   rate_at_least=10.0, rate_unit="/s", per_core=True)
        text = Row("t", "b", {"bench": "b"}, text="{x} of {y}",
                   meets=lambda d: float(d["x"]) <= float(d["y"]))
        ours = [{"bench": "b", "threads": "2", "seconds": "0.5", "rate": "30", "bytes": "4e9",
                 "x": "1", "y": "2"}]
        table, missed, _ = self.row(ours, [], rows=(rate, text), stream_gbps={"2": 16.0})
        self.assertEqual((table[0]["ratio"], table[0]["met"]), ("15 /s", "yes"))
        self.assertEqual(table[0]["limit"], "50% of streaming (8 of 16 GB/s)")
        self.assertEqual((table[1]["ratio"], table[1]["met"]), ("1 of 2", "yes"))
        self.assertEqual(missed, [])


class Render(unittest.TestCase):
    ctx = dict(time="2026-12-06 22:00", host="vm", quick=True, cpu="CPU", cores=2,
               commit="abc1234", build_dir="/b", build_type="Release", native="ON",
               blas_text="openblas", load_before=1.0, load_after=2.5, build_seconds=3.0,
               run_seconds=40.4)
    scaling = {"bench": "scaling", "ranks": "8", "projected_hours": "2.7", "efficiency": "0.98",
               "master_utilisation": "0.000", "io_share": "0.02", "merge_share": "0.01",
               "limit": "compute"}

    def test_markdown(self):
        table = [dict(work="w", peer="p", peer_time="1 s", ours_time="0.5 s", ratio="2x",
                      goal="g", met="MISSED", check="c", limit="—")]
        out = outputs(end_to_end=([], [], []),
                      scale=([self.scaling], [], ["scaling: note", "other"]))
        text = report.render_markdown(self.ctx, registry.ROWS, table, [("lim", "1 GB/s")], out,
                                      ["new"], ["w"], ["boom"])
        lines = text.splitlines()
        self.assertEqual(lines[:7], [
            "# neuropop benchmarks, 2026-12-06 22:00, vm (--quick)", "",
            "- machine: CPU, 2 cores; commit abc1234",
            "- build: /b, CMAKE_BUILD_TYPE=Release, NEUROPOP_NATIVE=ON",
            "- numpy BLAS (threadpoolctl): openblas",
            "- load average (1 min) before the runs 1.00, after 2.50: other jobs on the machine "
            "slow the wall-clock figures",
            "- times are the best of several repeats (the machine may be shared); the peers ran "
            "with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3`"])
        self.assertIn("| work | peer | peer time | neuropop time | ratio (peer/neuropop) | goal | "
                      "met? | correctness | vs machine limit |", lines)
        self.assertIn("|---|---|---|---|---|---|---|---|---|", lines)
        self.assertIn("| w | p | 1 s | 0.5 s | 2x | g | MISSED | c | — |", lines)
        self.assertTrue(any(l.startswith("End to end: examples/jobs/demo.ini") for l in lines))
        self.assertIn("| 8 | 2.7 h | 0.98 | 0.000 | 0.02 | 0.01 | compute |", lines)
        self.assertIn("scaling: note", lines)
        self.assertNotIn("other", lines)  # only scaling notes go above the raw output
        self.assertIn("| lim | 1 GB/s |", lines)
        self.assertIn("bench=scaling ranks=8 projected_hours=2.7 efficiency=0.98 "
                      "master_utilisation=0.000 io_share=0.02 merge_share=0.01 limit=compute",
                      lines)
        self.assertIn("NOTE scale: other", lines)
        self.assertIn("Not run (no entry in benchmarks/run BENCHES): neuropop_bench_new", lines)
        self.assertEqual(lines[-2:], ["Summary: 1 rows, 1 missed their goal: w; 1 errors; "
                                      "build 3 s, runs 40 s", "- ERROR: boom"])
        self.assertTrue(text.endswith("\n"))

    def test_csv(self):
        table = [dict(work="w", peer="p", peer_time="1 s", ours_time="0.5 s", ratio="2x",
                      goal="g", met="yes", check="c", limit="—")]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "r.csv")
            report.write_csv(path, table, [("lim", "1 GB/s")], [self.scaling])
            with open(path, newline="") as f:
                rows = list(csv.reader(f))
        self.assertEqual(rows, [
            ["section", "work", "peer", "peer time", "neuropop time", "ratio (peer/neuropop)",
             "goal", "met?", "correctness", "vs machine limit"],
            ["comparison", "w", "p", "1 s", "0.5 s", "2x", "g", "yes", "c", "—"],
            ["limit", "lim", "", "", "", "1 GB/s", "", "", "", ""],
            ["scaling", "8 ranks", "", "", "2.7 h", "efficiency 0.98", "", "",
             "master 0.000, I/O 0.02, merge 0.01", "compute"]])


class Registry(unittest.TestCase):
    def test_every_row_names_a_bench_and_every_peer_script_exists(self):
        from neuropop_bench.common import BENCH_DIR
        names = {b.name for b in registry.BENCHES}
        for r in registry.ROWS:
            self.assertIn(r.bench, names, r.work)
            self.assertTrue(r.goal_text, r.work)
        for b in registry.BENCHES:
            if b.peer:
                self.assertTrue((BENCH_DIR / "peers" / b.peer).is_file(), b.peer)
            if b.runner:
                from neuropop_bench.runners import RUNNERS
                self.assertIn(b.runner, RUNNERS)


if __name__ == "__main__":
    unittest.main()
