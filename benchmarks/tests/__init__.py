"""Unit tests of benchmarks/neuropop_bench's pure parts (stdlib unittest, Debian's python3):
/usr/bin/python3 -m unittest discover -s benchmarks/tests -t benchmarks"""
