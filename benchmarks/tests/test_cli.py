"""Options and bench selection of benchmarks/run."""

import unittest

from neuropop_bench.cli import choose_benches, parse_args
from neuropop_bench.common import BENCH_DIR, ROOT
from neuropop_bench.registry import BENCHES, Bench


class ParseArgs(unittest.TestCase):
    def test_defaults(self):
        o = parse_args([])
        self.assertFalse(o.quick)
        self.assertFalse(o.portable)
        self.assertFalse(o.no_build)
        self.assertFalse(o.keep_data)
        self.assertEqual(o.only, "")
        self.assertEqual(o.build_dir, str(ROOT / "build-bench"))
        self.assertEqual(o.results_dir, str(BENCH_DIR / "results"))

    def test_every_flag(self):
        o = parse_args(["--quick", "--portable", "--no-build", "--keep-data", "--only",
                        "binning,stream", "--build-dir", "/tmp/b", "--results-dir", "/tmp/r"])
        self.assertTrue(o.quick and o.portable and o.no_build and o.keep_data)
        self.assertEqual(o.only, "binning,stream")
        self.assertEqual((o.build_dir, o.results_dir), ("/tmp/b", "/tmp/r"))

    def test_unknown_flag_exits_2(self):
        with self.assertRaises(SystemExit) as e:
            with open("/dev/null", "w") as null:
                import contextlib
                with contextlib.redirect_stderr(null):
                    parse_args(["--fast"])
        self.assertEqual(e.exception.code, 2)


class ChooseBenches(unittest.TestCase):
    benches = [Bench("stream", [], []), Bench("gemm", [], []), Bench("pca", [], []),
               Bench("end_to_end", [], [], runner="end_to_end", target="neuropop")]

    def names(self, benches):
        return [b.name for b in benches]

    def test_everything_with_a_source_or_a_runner_in_registry_order(self):
        chosen, unregistered = choose_benches(self.benches, ["gemm", "new", "stream"], "")
        self.assertEqual(self.names(chosen), ["stream", "gemm", "end_to_end"])
        self.assertEqual(unregistered, ["new"])

    def test_only_filters_and_ignores_empty_names(self):
        chosen, _ = choose_benches(self.benches, ["gemm", "pca", "stream"], "pca,,end_to_end,")
        self.assertEqual(self.names(chosen), ["pca", "end_to_end"])

    def test_only_cannot_run_a_bench_without_its_source(self):
        chosen, _ = choose_benches(self.benches, ["stream"], "pca")
        self.assertEqual(chosen, [])

    def test_registry_covers_every_bench_source(self):
        sources = sorted(p.stem[len("bench_"):] for p in BENCH_DIR.glob("bench_*.cpp"))
        self.assertTrue(sources)
        chosen, unregistered = choose_benches(BENCHES, sources, "")
        self.assertEqual(unregistered, [])
        self.assertEqual(self.names(chosen), [b.name for b in BENCHES if not b.opt_in])
        chosen, _ = choose_benches(BENCHES, sources, "", quick=True)
        self.assertEqual(self.names(chosen), [b.name for b in BENCHES])

    def test_an_opt_in_bench_runs_in_quick_with_scale_or_when_named(self):
        benches = self.benches + [Bench("scale", [], [], runner="scale", opt_in=True)]
        sources = ["gemm", "pca", "stream"]
        self.assertNotIn("scale", self.names(choose_benches(benches, sources, "")[0]))
        self.assertIn("scale", self.names(choose_benches(benches, sources, "", quick=True)[0]))
        self.assertEqual(self.names(choose_benches(benches, sources, "scale")[0]), ["scale"])
        # --scale runs it alone, whatever --only says.
        self.assertEqual(self.names(choose_benches(benches, sources, "pca", scale=True)[0]),
                         ["scale"])

    def test_scale_flag(self):
        self.assertTrue(parse_args(["--scale"]).scale)
        self.assertFalse(parse_args([]).scale)


if __name__ == "__main__":
    unittest.main()
