"""The scale runner's pure parts (neuropop_bench/scale.py): reading neuropop's summary line and
the growth between the two studies."""

import math
import unittest

from neuropop_bench import scale


class Durations(unittest.TestCase):
    def test_every_format_of_format_duration(self):
        self.assertEqual(scale.parse_duration("4.2 s"), 4.2)
        self.assertEqual(scale.parse_duration("3 min 07 s"), 187.0)
        self.assertEqual(scale.parse_duration("1 h 02 min"), 3720.0)
        with self.assertRaises(ValueError):
            scale.parse_duration("?")

    def test_merge_seconds_from_the_summary_line(self):
        err = ("progress ...\nneuropop run: 1 min 05 s (merge 2.5 s), 310 items, 0 failed, "
               "2 ranks x 1 thread; results in out.h5\n")
        self.assertEqual(scale.merge_seconds(err), 2.5)
        with self.assertRaises(ValueError):
            scale.merge_seconds("neuropop run: nothing")


class Growth(unittest.TestCase):
    small = dict(sessions=6, rss_max_mb=100.0, bytes_read=1e9, nwb_bytes=2e8, merge_s=2.0,
                 datasets=1000)

    def test_within_every_goal(self):
        large = dict(sessions=24, rss_max_mb=115.0, bytes_read=4.2e9, nwb_bytes=8e8,
                     merge_s=8.4, datasets=4000)
        g = scale.growth(self.small, large)
        self.assertEqual(g["rss_growth_pct"], "15.0")
        self.assertEqual((g["rss_ok"], g["bytes_linear_ok"], g["merge_ok"]), ("1", "1", "1"))
        self.assertEqual(g["bytes_read_ratio"], "4.2")
        self.assertEqual(g["merge_per_dataset_ratio"], "1.05")

    def test_each_goal_can_fail(self):
        large = dict(sessions=24, rss_max_mb=125.0, bytes_read=6e9, nwb_bytes=8e8,
                     merge_s=20.0, datasets=4000)
        g = scale.growth(self.small, large)
        self.assertEqual((g["rss_ok"], g["bytes_linear_ok"], g["merge_ok"]), ("0", "0", "0"))

    def test_a_merge_of_zero_seconds_is_not_a_pass(self):
        large = dict(sessions=24, rss_max_mb=100.0, bytes_read=4e9, nwb_bytes=8e8, merge_s=0.0,
                     datasets=4000)
        g = scale.growth(self.small, large)
        self.assertTrue(math.isnan(float(g["merge_per_dataset_ratio"])))
        self.assertEqual(g["merge_ok"], "0")


if __name__ == "__main__":
    unittest.main()
