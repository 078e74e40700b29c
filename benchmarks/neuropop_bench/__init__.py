"""The benchmark runner behind `benchmarks/run` (benchmarks/README.md).

registry.py  the benches (one per executable or whole-program runner) and the table's rows
execute.py   subprocesses, the CMake build, machine and BLAS facts, running benches and peers
runners.py   whole-program measurements: end_to_end and pseudo_decoding under mpirun
scale.py     the scale study (two sizes, 1 and 2 ranks, growth) and its cluster projection
scaling.py   the scheduler simulation, the merge model and the Brain-Wide-Map projection
report.py    machine limits, comparison rows, the Markdown and CSV report
cli.py       options, bench selection and main()
common.py    paths, the key=value line format, line selection, number formatting

The pure parts (registry, line parsing and selection, options, scheduling simulation and
projection, report rendering) are tested by benchmarks/tests (stdlib unittest; scripts/test and
CTest run them).
"""
