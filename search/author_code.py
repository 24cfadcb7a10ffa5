"""A public solution's own code, run here: the author's notebook's code cells as one script, in a
copy of the author's checkout, on the CPU, with a seed. Nothing of theirs is changed but the device
and the seed, and each change is written into the results file.

  git clone https://github.com/adilsammar/woolly-of-cv ../woolly && git -C ../woolly checkout 7ade209
  python -m search.author_code public3762 --checkout ../woolly --seeds 1 2 3            # -> runs/public/original/
  python -m search.author_code public3762 --checkout ../woolly --seeds 1 2 3 --publish  # -> results/public/original/

The checkout must be at the commit the published log came from (checked). The notebook's folder is
copied to a scratch folder, where the script runs (their code writes its best weights into its working
folder and reads MNIST from ../data, which points at the data root). Their per-epoch figures are read
from their own Training object after its run: the rate each epoch started at, the train loss and
accuracy (their train()), the test loss and accuracy (their test()).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from s7.core.data_checks import DATA_ROOT_HELP, MNISTDataError, ensure_mnist
from s7.core.places import ORIGINAL, RESULTS_DIR, RUNS, study_path
from s7.studies.author_code import OUT, SOLUTIONS, AuthorCodeError, checkout_commit, run_seed


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("solution", choices=sorted(SOLUTIONS))
    p.add_argument("--checkout", required=True, help="the author's repository, checked out at the cited commit")
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    p.add_argument("--publish", action="store_true", help=f"write {OUT.relative_to(RESULTS_DIR.parent)}/")
    p.add_argument("--out", help="folder for the results files (default: runs/public/original/)")
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    args = p.parse_args(argv)
    if args.publish and args.out:
        p.error("give --publish or --out, not both")
    out = OUT if args.publish else Path(args.out) if args.out else RUNS / ORIGINAL
    s = SOLUTIONS[args.solution]
    try:
        checkout = Path(args.checkout).resolve()
        commit = checkout_commit(checkout)
        if commit != s["commit"]:
            raise AuthorCodeError(f"{checkout} is at {commit[:7]}, not {s['commit'][:7]}, the commit the published "
                                  f"log came from: git -C {args.checkout} checkout {s['commit'][:7]}")
        root = ensure_mnist(args.data_root, download=False).resolve()
        out.mkdir(parents=True, exist_ok=True)
        for seed in args.seeds:
            path = study_path(args.solution, seed, out)
            if path.exists():
                print(f"{args.solution} seed {seed}: kept {path} (delete the file to re-run)")
                continue
            with open(path.with_suffix(".log"), "w") as log:
                record = run_seed(args.solution, checkout, seed=seed, root=root, log=log)
            path.write_text(json.dumps(record, indent=1) + "\n")
            print(f"{args.solution} seed {seed}: last 3 test {record['history']['test_acc'][-3:]} -> {path}", flush=True)
    except (AuthorCodeError, MNISTDataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
