"""What the study commands (search/, scripts/epoch_times.py) share: their options, where they write
(runs/ unless --publish) and the loop over seeds that keeps finished files."""
from __future__ import annotations

from pathlib import Path

from s7.core.data_checks import DATA_ROOT_HELP
from s7.core.places import RUNS, study_path
from s7.core.records import load_results
from s7.core.target import meets_target, summarize


def study_out(args, published: Path) -> Path:
    """Where a study writes: --out if given, the published folder with --publish, else runs/<folder>.
    A quick run is never published (a command without --quick has none), and --publish and --out are
    one or the other."""
    if args.publish and getattr(args, "quick", False):
        raise SystemExit("--publish with --quick: a quick run is a smoke test, never a published result")
    if args.publish and args.out:
        raise SystemExit("give --publish (the published folder) or --out DIR, not both")
    if args.out:
        return Path(args.out)
    return published if args.publish else RUNS / published.name


def add_study_arguments(parser, published: Path) -> None:
    """The arguments every study shares: where it writes, its data, its smoke mode."""
    parser.add_argument("--out", help=f"folder for the results files (default: runs/{published.name}/; "
                                      f"with --publish, {published.relative_to(published.parents[1])}/)")
    parser.add_argument("--publish", action="store_true", help="write the published record")
    parser.add_argument("--data-root", help=DATA_ROOT_HELP)
    parser.add_argument("--quick", action="store_true", help="smoke mode: one epoch on a small subset")


def seeded_runs(name: str, seeds, out, train) -> None:
    """train(seed) -> record for each seed whose <out>/<name>_seed<seed>.json is missing. A finished
    file there is kept, by a quick run too (delete it to re-run); only a quick run's file is redone.
    One line per run."""
    for seed in seeds:
        path = study_path(name, seed, out)
        if path.exists() and not load_results(path)["quick"]:
            print(f"{name} seed {seed}: kept {path} (delete the file to re-run)")
            continue
        record = train(seed)
        s = summarize(record)
        print(f"{name} seed {seed}: params {s['params']:,}, last 3 {s['split']} {s['last']}, "
              f"{'meets' if meets_target(record) else 'misses'} the target", flush=True)
