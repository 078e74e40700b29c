"""The scheduler simulation, the merge model and the Brain-Wide-Map projection
(neuropop_bench/scaling.py), on cases small enough to work out by hand."""

import unittest

from neuropop_bench import scaling
from neuropop_bench.scaling import MASTER_US, POLL_S, simulate_schedule

MSG = 3 * MASTER_US * 1e-6  # master time per item: request, assignment, result
NO_IO = {"bin": 0.0, "pca": 0.0, "fa": 0.0}


class SimulateSchedule(unittest.TestCase):
    def test_one_item(self):
        makespan, busy, io = simulate_schedule([(0, "bin", 2.0)], 1, NO_IO)
        self.assertAlmostEqual(makespan, POLL_S + 2.0, places=12)
        self.assertAlmostEqual(busy, MSG, places=15)
        self.assertEqual(io, 0.0)

    def test_an_analysis_waits_for_its_population_bin_item(self):
        # Two ranks, but pca needs bin: the second rank idles until bin is done.
        makespan, _, _ = simulate_schedule([(0, "bin", 1.0), (0, "pca", 1.0)], 2, NO_IO)
        self.assertAlmostEqual(makespan, (POLL_S + 1.0) + (POLL_S + 1.0), places=9)
        # Another population's analysis does not wait for this bin item.
        makespan, _, _ = simulate_schedule([(0, "bin", 1.0), (1, "bin", 1.0)], 2, NO_IO)
        self.assertLess(makespan, 1.01)

    def test_largest_first(self):
        # Bins of 1, 1 and 2 s on 2 ranks: the 2 s item first gives 2 s; in list order 3 s.
        items = [(0, "bin", 1.0), (1, "bin", 1.0), (2, "bin", 2.0)]
        makespan, _, _ = simulate_schedule(items, 2, NO_IO)
        self.assertLess(makespan, 2.01)

    def test_one_rank_runs_one_item_at_a_time(self):
        # Serial on one rank: the makespan is every item's time plus its poll, however the
        # dependencies release the items.
        items = [(0, "bin", 1.0), (0, "pca", 5.0), (0, "fa", 5.0), (1, "bin", 1.0),
                 (1, "pca", 5.0)]
        for n in (3, 5):  # 3: both analyses are released while the rank waits
            makespan, busy, _ = simulate_schedule(items[:n], 1, NO_IO)
            self.assertAlmostEqual(makespan, sum(s for _, _, s in items[:n]) + n * POLL_S,
                                   places=6)
        makespan, busy, _ = simulate_schedule(items, 1, NO_IO)
        self.assertAlmostEqual(makespan, sum(s for _, _, s in items) + len(items) * POLL_S,
                               places=6)
        self.assertAlmostEqual(busy, len(items) * MSG, places=12)

    def test_explicit_dependencies_wait_for_every_item_they_count(self):
        # A pooled item needs both bins of its region (1 s and 3 s on 2 ranks): it starts
        # after the longer one; a key nobody completes is an error, not a silent drop.
        items = [(0, "bin", 1.0, None, ("r",)), (1, "bin", 3.0, None, ("r",)),
                 (-1, "pool", 1.0, ("r", 2), ())]
        makespan, _, _ = simulate_schedule(items, 2, dict(NO_IO, pool=0.0))
        self.assertAlmostEqual(makespan, (POLL_S + 3.0) + (POLL_S + 1.0), places=9)
        with self.assertRaises(ValueError):
            simulate_schedule(items[:1] + items[2:], 2, dict(NO_IO, pool=0.0))

    def test_io_at_the_per_rank_share_of_the_file_system(self):
        # 8 ranks: each at the per-rank NIC share (the aggregate is far from saturated).
        items = [(p, "bin", 0.0) for p in range(8)]
        _, _, io = simulate_schedule(items, 8, {"bin": 1.25e9})
        self.assertAlmostEqual(io, 8 * 1.25e9 / (scaling.RANK_GBPS * 1e9), places=6)
        # 100 000 ranks: the aggregate divided by the ranks is the smaller share.
        _, _, io = simulate_schedule([(0, "bin", 0.0)], 100000, {"bin": 1e9})
        self.assertAlmostEqual(io, 1e9 / (scaling.FS_GBPS / 100000 * 1e9), places=6)


class MergeModel(unittest.TestCase):
    def test_line_through_two_sizes_and_the_parallel_fraction(self):
        # 1 rank: 2 s at 100 datasets, 5 s at 400 -> a = 1 s, b = 0.01 s; 2 ranks at 400: 4 s,
        # so m2 = m1 (1 - f / 2) gives f = 0.4.
        m = scaling.merge_model({6: {1: (100, 2.0)}, 24: {1: (400, 5.0), 2: (400, 4.0)}})
        self.assertAlmostEqual(m["a"], 1.0, places=12)
        self.assertAlmostEqual(m["b"], 0.01, places=12)
        self.assertAlmostEqual(m["parallel"], 0.4, places=12)

    def test_a_merge_that_does_not_rise_is_per_dataset_from_the_larger_run(self):
        m = scaling.merge_model({6: {1: (100, 3.0)}, 24: {1: (400, 2.0), 2: (400, 3.0)}})
        self.assertEqual(m["a"], 0.0)
        self.assertAlmostEqual(m["b"], 2.0 / 400, places=15)
        self.assertEqual(m["parallel"], 0.0)  # slower on 2 ranks: nothing shrinks

    def test_merge_seconds(self):
        m = dict(a=1.0, b=0.01, parallel=0.5)
        # (1 + 0.01 x 1000) x (0.5 + 0.5 / 4) + bytes at min(FS, 4 x per-rank) GB/s
        got = scaling.merge_seconds(m, 1000, 1e9, 4)
        want = 11.0 * 0.625 + 1e9 / (min(scaling.FS_GBPS, 4 * scaling.RANK_GBPS) * 1e9)
        self.assertAlmostEqual(got, want, places=12)


class ProjectMeasured(unittest.TestCase):
    # One measured session, one region of 400/3/2 units over 2 h: f_units = 2, f_trials = 1.
    study = dict(sessions=1, regions=1, units=400 / 3 / 2, trials=100, duration_s=7200.0,
                 datasets=10, results_bytes=1000)
    kinds = {"bin": (1, 1.0, 8.0), "pca": (1, 1.0, 0.0), "decode_null": (2, 1.0, 4.0),
             "pseudo_null": (4, 3.0, 0.0)}
    merge = dict(a=0.0, b=0.5, parallel=0.0)

    def test_rows_per_rank_count_and_notes(self):
        lines, notes = scaling.project_measured(dict(self.kinds), self.merge, self.study,
                                                {"decode_null": 2.0})
        self.assertEqual([d["ranks"] for d in lines], [str(r) for r in scaling.RANKS])
        self.assertEqual(lines[0]["efficiency"], "1.00")
        for d in lines:
            self.assertEqual(set(d), {"bench", "ranks", "projected_hours", "efficiency",
                                      "master_utilisation", "io_share", "merge_share", "limit"})
        # Costs scale as trials x units^2 for pca, trials x units otherwise; counts per
        # population times the study's 1500 populations, decode_null's doubled.
        self.assertIn("bin 1500 x 2 s,decode_null 6000 x 2 s,pca 1500 x 4 s", notes[0])
        self.assertIn("1500 populations, 9012 items", notes[0])
        # 10 datasets per population -> 15 000; bytes: bin 8 x 2 per item, decode_null 4 x 2.
        self.assertIn("15000 datasets", notes[0])
        self.assertIn("%.3g GB read in all" % ((1500 * 16 + 6000 * 8) / 1e9), notes[0])
        self.assertEqual(len(notes), 2)
        # Pooled: 4 per region measured -> 12 for 3 regions; 500 sessions of 400/3 units pool
        # 1000 x the measured pool's units, at the default exponent 1.
        self.assertIn("pooled across 500 sessions per region (1e+03 x", notes[1])
        self.assertIn("pseudo_null 12 x 3e+03 s (measured 4 x 3 s)", notes[1])

    def test_pooled_items_scale_with_the_pool_and_wait_for_their_region(self):
        kinds = {"bin": (1, 1.0, 0.0), "pseudo_resample:pca": (2, 1.0, 5.0),
                 "pseudo_null:decode": (1, 2.0, 0.0), "pseudo:pca": (1, 0.5, 0.0),
                 "pseudo:decode": (1, 0.5, 0.0), "pseudo_summary:pca": (1, 0.25, 0.0)}
        lines, notes = scaling.project_measured(kinds, self.merge, self.study)
        # f_pool = 1000 for every pooled kind (wide data: linear in units); bytes: a resample
        # reads its region's 500 sessions, each 2 x the measured population.
        self.assertIn("pseudo_resample:pca 6 x 1e+03 s", notes[1])
        self.assertIn("pseudo_null:decode 3 x 2e+03 s", notes[1])
        self.assertIn("pseudo:pca 3 x 500 s", notes[1])
        self.assertIn("pseudo_summary:pca 1 x 250 s", notes[1])
        self.assertIn("%.3g GB read in all" % (6 * 5.0 * 500 * 2 / 1e9), notes[0])
        # The chain region bins -> null -> pool -> summary is the critical path: with ranks to
        # spare, the wall time is at least its sum (plus the merge).
        chain = 1.0 * 2 + 2e3 + 500 + 250  # bin (2 h: 2 x 1 s), decode null, stacking, summary
        for d in lines[1:]:
            self.assertGreater(float(d["projected_hours"]) * 3600, chain)
        self.assertIn("largest item", lines[-1]["limit"])

    def test_pooled_key_names_the_pooled_analysis(self):
        self.assertEqual(scaling.pooled_key("pseudo_null", "pseudo_null/all/CA1/decode:stim/0"),
                         "pseudo_null:decode")
        self.assertEqual(scaling.pooled_key("pseudo_summary", "pseudo_summary///pca/0"),
                         "pseudo_summary:pca")
        self.assertEqual(scaling.pooled_key("decode", "decode/s1/CA1/stim/0"), "decode")

    def test_pooled_null_items_take_the_null_factor_of_their_kind(self):
        kinds = {"bin": (1, 1.0, 0.0), "pseudo_null:decode": (1, 2.0, 0.0)}
        _, notes = scaling.project_measured(kinds, self.merge, self.study, {"pseudo_null": 4.0})
        self.assertIn("pseudo_null:decode 12 x 2e+03 s", notes[1])  # 1 x 3 regions x 4

    def test_split_pooled_nulls_shares_an_item_among_smaller_ones(self):
        kinds = {"bin": (1, 1.0, 0.0), "pseudo_null:decode": (1, 2.0, 0.0)}
        whole, _ = scaling.project_measured(kinds, self.merge, self.study)
        split, notes = scaling.project_measured(kinds, self.merge, self.study, None, 4)
        self.assertIn("pseudo_null:decode 12 x 500 s", notes[1])  # 3 x 4 items of 2e3 / 4 s
        # The same work in smaller items: no slower anywhere, faster once ranks are plenty.
        for w, s in zip(whole, split):
            self.assertLessEqual(float(s["projected_hours"]), float(w["projected_hours"]) * 1.001)
        self.assertLess(float(split[-1]["projected_hours"]), float(whole[-1]["projected_hours"]))

    def test_pair_items_scale_with_ordered_region_pairs(self):
        study = dict(self.study, regions=4)  # 12 ordered pairs per session; the study has 6
        kinds = {"bin": (4, 1.0, 0.0), "interactions": (12, 1.0, 0.0)}
        _, notes = scaling.project_measured(kinds, self.merge, study)
        self.assertIn("interactions 3000 x", notes[0])  # 500 sessions x 6 pairs

    def test_merge_that_more_ranks_do_not_shorten_limits_efficiency(self):
        slow = dict(a=0.0, b=10.0, parallel=0.0)
        lines, _ = scaling.project_measured(dict(self.kinds), slow, self.study)
        self.assertIn("merge", lines[-1]["limit"])
        self.assertLess(float(lines[-1]["efficiency"]), 0.1)

    def test_creating_while_computing_hides_a_merge_shorter_than_the_items(self):
        slow = dict(a=0.0, b=10.0, parallel=0.0)
        before, _ = scaling.project_measured(dict(self.kinds), slow, self.study)
        after, _ = scaling.project_measured(dict(self.kinds), slow, self.study,
                                            create_while_computing=True)
        self.assertEqual(len(before), len(after))
        for b, a in zip(before[1:], after[1:]):
            self.assertGreaterEqual(float(a["efficiency"]), float(b["efficiency"]))
        # The master creates while the others compute: busy, and the tail is what does not fit.
        tail, create = scaling.merge_while_computing(slow, 100, 0.0, 4, 2000.0)
        self.assertEqual(create, 1000.0)
        self.assertEqual(tail, 0.0)
        tail, create = scaling.merge_while_computing(slow, 100, 0.0, 4, 500.0)
        self.assertEqual(tail, 1000.0 - 750.0)


if __name__ == "__main__":
    unittest.main()
