"""The key=value line format, picking a line by a filter, number formatting."""

import unittest

from neuropop_bench.common import fmt_g, fmt_s, num, parse_lines, select


class ParseLines(unittest.TestCase):
    def test_tokens_and_leading_bench_word(self):
        text = ("generate spikes=10 threads=1\n"
                "bench=pca threads=2 seconds=0.5 note=a=b\n"
                "a plain log line\n\n")
        self.assertEqual(parse_lines(text), [
            {"bench": "generate", "spikes": "10", "threads": "1"},
            {"bench": "pca", "threads": "2", "seconds": "0.5", "note": "a=b"}])

    def test_bare_words_after_the_first_are_dropped(self):
        self.assertEqual(parse_lines("x k=1 stray v=2"), [{"bench": "x", "k": "1", "v": "2"}])


class Select(unittest.TestCase):
    lines = [{"bench": "b", "threads": "1", "seconds": "3"},
             {"bench": "b", "threads": "2", "seconds": "2"},
             {"bench": "b", "threads": "16", "seconds": "1"},
             {"bench": "c", "threads": "32"},
             {"bench": "b"}]

    def test_first_match(self):
        self.assertIs(select(self.lines, {"bench": "b", "threads": "2"}), self.lines[1])
        self.assertIs(select(self.lines, {"bench": "b"}), self.lines[0])

    def test_max_threads_compares_numbers_not_text(self):
        self.assertIs(select(self.lines, {"bench": "b", "threads": "max"}), self.lines[2])

    def test_no_match(self):
        self.assertIsNone(select(self.lines, {"bench": "d"}))
        self.assertIsNone(select([{"bench": "b"}], {"bench": "b", "threads": "max"}))


class Numbers(unittest.TestCase):
    def test_num(self):
        self.assertEqual(num({"s": "1.5"}, "s"), 1.5)
        self.assertIsNone(num({"s": "x"}, "s"))
        self.assertIsNone(num({}, "s"))
        self.assertIsNone(num(None, "s"))

    def test_formats(self):
        self.assertEqual(fmt_s(None), "—")
        self.assertEqual(fmt_s(0.123456), "0.1235 s")
        self.assertEqual(fmt_g(None, "x"), "—")
        self.assertEqual(fmt_g(12.345, "x"), "12.3x")
        self.assertEqual(fmt_g(2.04e7, " spikes/s"), "2.04e+07 spikes/s")


if __name__ == "__main__":
    unittest.main()
