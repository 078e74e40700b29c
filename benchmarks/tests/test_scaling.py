"""The scheduler simulation and the Brain-Wide-Map projection (neuropop_bench/scaling.py), on
cases small enough to work out by hand."""

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

    def test_io_at_the_per_rank_share_of_the_file_system(self):
        # 8 ranks share FS_GBPS = 5 GB/s: 0.625 GB/s each (below the 1 GB/s per-rank cap).
        items = [(p, "bin", 0.0) for p in range(8)]
        _, _, io = simulate_schedule(items, 8, {"bin": 1.25e9})
        self.assertAlmostEqual(io, 8 * 1.25e9 / (min(scaling.RANK_GBPS, scaling.FS_GBPS / 8)
                                                 * 1e9), places=9)
        self.assertAlmostEqual(io, 16.0, places=9)


class Project(unittest.TestCase):
    # One demo population of 400/3 / 2 units over a 2 h session: f_units = 2, f_trials = 1.
    demo = dict(sessions=1, regions=1, units=400 / 3 / 2, trials=100, bins=10, duration_s=7200.0,
                spikes_per_unit_s=1.0)
    kinds = {"bin": (1, 1.0), "pca": (1, 1.0), "decode": (2, 1.0), "pseudo_null": (4, 3.0)}

    def test_rows_per_rank_count_and_notes(self):
        lines, notes = scaling.project(dict(self.kinds), 10, 100.0, self.demo)
        self.assertEqual([d["ranks"] for d in lines], ["1", "8", "64", "512"])
        self.assertEqual(lines[0]["efficiency"], "1.00")
        for d in lines:
            self.assertEqual(d["bench"], "scaling")
            self.assertEqual(set(d), {"bench", "ranks", "projected_hours", "efficiency",
                                      "master_utilisation", "io_share", "merge_share", "limit"})
        # Costs scale as trials x units^2 for pca, trials x units otherwise; counts per
        # population times the study's 1500 populations.
        self.assertIn("bin 1500 x 2 s,decode 3000 x 2 s,pca 1500 x 4 s", notes[0])
        self.assertIn("1500 populations, 6000 items", notes[0])
        # Pseudo-population items are left out and named.
        self.assertEqual(len(notes), 2)
        self.assertIn("pseudo_null 4 x 3 s in the demo", notes[1])

    def test_merge_from_the_overhead_beyond_the_items(self):
        # Wall 100 s - items (1 + 1 + 2 + 12 s) = 84 s over 10 datasets of 1 population:
        # 8.4 s per dataset x 10 x 1500 populations, plus the binned counts at 5 GB/s.
        _, notes = scaling.project(dict(self.kinds), 10, 100.0, self.demo)
        counts_bytes = 100 * (400 / 3) * 10 * 4
        merge = 84.0 / 10 * 10 * 1500 + 1500 * counts_bytes / 5e9
        self.assertIn("merge %.0f s" % merge, notes[0])


if __name__ == "__main__":
    unittest.main()
