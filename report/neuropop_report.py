#!/usr/bin/python3
"""neuropop report RESULTS.h5 [--out DIR] [--format png|svg] [--regions R ...]

Draws the figures of a neuropop results file and an index.html that shows them with captions.
Run by `neuropop report` (cli/cmd_report.cpp) with /usr/bin/python3 (Debian's matplotlib and
h5py). A file that is not a neuropop results file: one line on stderr, exit 2. An analysis the
file lacks has no figure."""
import argparse
import configparser
import os
import sys
import warnings


def fail(message):
    print(f"neuropop report: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="neuropop report", description=__doc__.split("\n\n")[1])
    ap.add_argument("results")
    ap.add_argument("--out", help="folder for the figures (default: RESULTS-report next to it)")
    ap.add_argument("--format", choices=["png", "svg"], default="png")
    ap.add_argument("--regions", nargs="+", default=[],
                    help="only these regions (separated by spaces or commas)")
    args = ap.parse_args(argv)
    args.regions = [r for item in args.regions for r in item.split(",") if r]
    return args


def open_results(path):
    import h5py
    if not os.path.isfile(path):
        fail(f"{path}: /: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(f"{path}: /: not an HDF5 file, or truncated ({str(e).splitlines()[0]})")
    # Every results file `neuropop run` writes carries these root attributes (engine/drivers/run.cpp).
    missing = [a for a in ("neuropop_version", "job") if a not in f.attrs]
    if missing:
        f.close()
        fail(f"{path}: /: not a neuropop results file (no root attribute "
             f"{' or '.join(missing)})")
    return f


def job_event(f):
    """The alignment event of the run, from the job text stored in the file."""
    from report_common import text
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text(f.attrs["job"]))
        return parser.get("align", "event", fallback="").strip()
    except configparser.Error:
        return ""


def populations(f, wanted):
    """{region: [Population]} of /sessions, sessions in file order."""
    from report_common import Population, attrs, text
    regions = {}
    if "sessions" not in f:
        return regions
    for session, sg in f["sessions"].items():
        for region, rg in sg.items():
            if wanted and region not in wanted:
                continue
            # /sessions/<s>/interactions and /sessions/<s>/coupling_pairs hold region pairs,
            # not a population (no region attribute); report_interactions draws the first.
            if region in ("interactions", "coupling_pairs") and "region" not in rg.attrs:
                continue
            a = attrs(rg)
            n_units = n_trials = None
            binned = f.get(f"binned/{session}/{region}")
            if binned is not None and "unit_ids" in binned and "trial_index" in binned:
                n_units, n_trials = len(binned["unit_ids"]), len(binned["trial_index"])
            else:
                for sub in rg.values():
                    sa = attrs(sub)
                    n_units = n_units or sa.get("n_units")
                    n_trials = n_trials or sa.get("n_trials")
            regions.setdefault(region, []).append(Population(
                session, text(a.get("session", session)), rg, text(a.get("subject", "")),
                n_units, n_trials))
    return dict(sorted(regions.items()))


def subjects(f):
    """Session key -> subject (animal), from the inventory."""
    from report_common import labels
    inv = f.get("inventory/sessions")
    if inv is None:
        return {}
    return dict(zip(labels(inv, "key"), labels(inv, "subject")))


def draw_population_set(report, regions, prefix):
    from report_decoding import decoding
    from report_dimensionality import cvpca, participation_ratio, scree
    from report_geometry import geometry
    from report_coupling import coupling
    participation_ratio(report, regions, prefix)
    for region, pops in regions.items():
        scree(report, region, pops, prefix)
        cvpca(report, region, pops, prefix)
    for region, pops in regions.items():
        decoding(report, region, pops, prefix)
    for region, pops in regions.items():
        geometry(report, region, pops, prefix)
    for region, pops in regions.items():
        coupling(report, region, pops, prefix)


def pseudo_populations(f, wanted):
    from report_common import Population, attrs
    regions = {}
    for region, rg in (f["pseudo"].items() if "pseudo" in f else []):
        if wanted and region not in wanted:
            continue
        a = attrs(rg)
        n_units, n_trials = a.get("n_units"), a.get("n_trials")
        for sub in rg.values():  # the analysis groups carry the population's size
            sa = attrs(sub)
            n_units, n_trials = n_units or sa.get("n_units"), n_trials or sa.get("n_trials")
        regions[region] = [Population(f"pseudo-{region}", f"pseudo-population {region}", rg,
                                      "", n_units, n_trials)]
    return regions


def main(argv):
    # NaN is a legitimate value in results (undefined PR, RDM diagonals, a failed fit); numpy's
    # "mean of empty slice" warnings about it would only clutter the report's output.
    warnings.simplefilter("ignore", RuntimeWarning)
    args = parse_args(argv)
    f = open_results(args.results)
    from report_common import Report, text
    from report_html import write_index
    from report_models import models_summaries
    from report_summary import animal_summaries, summaries

    regions = populations(f, args.regions)
    if args.regions:
        known = set(populations(f, [])) | set(pseudo_populations(f, []))
        known |= set(f["summary"]) if "summary" in f else set()
        unknown = [r for r in args.regions if r not in known]
        if unknown:
            fail(f"{args.results}: /sessions: no region {', '.join(unknown)} "
                 f"(regions: {', '.join(sorted(known)) or 'none'})")
    out = args.out or os.path.splitext(os.path.abspath(args.results))[0] + "-report"
    os.makedirs(out, exist_ok=True)
    report = Report(out, args.format, job_event(f))
    draw_population_set(report, regions, "")
    report.section_override = "Pseudo-populations"
    report.caption_suffix = (" Pooled across sessions; where the file stacks resamples, the "
                             "values drawn are the means over resamples.")
    draw_population_set(report, pseudo_populations(f, args.regions), "pseudo_")
    report.section_override, report.caption_suffix = None, ""
    summaries(report, f, args.regions, subjects(f))
    animal_summaries(report, f, args.regions)
    from report_interactions import interactions
    interactions(report, f, args.regions)
    models_summaries(report, f, args.regions)

    n_sessions = len({p.key for pops in regions.values() for p in pops})
    header = (f"neuropop {text(f.attrs['neuropop_version'])}, created "
              f"{text(f.attrs.get('created', '?'))} from {text(f.attrs.get('job_file', '?'))}"
              f" (seed {text(f.attrs.get('seed', '?'))}); {n_sessions} sessions, regions "
              f"{', '.join(regions) or 'none'}; alignment event "
              f"{report.event or 'not recorded'}, times in seconds relative to it.")
    index = write_index(out, os.path.abspath(args.results), header, report.entries)
    f.close()
    print(index)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except OSError as e:
        # h5py raises OSError for every read HDF5 refuses: a file cut short after its superblock,
        # or a corrupted object, is bad input (one line, exit 2), not a traceback.
        results = next((a for a in sys.argv[1:] if not a.startswith("-")), "?")
        fail(f"{results}: cannot be read, truncated or corrupted ({str(e).splitlines()[0]})")
