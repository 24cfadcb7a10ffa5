"""Run a notebook of the series headlessly, or regenerate the README from results/ (run from the repository's root).

  python -m scripts.run --notebook 1                 # execute S7_Model_1.ipynb -> runs/ (git-ignored)
  python -m scripts.run --notebook 1 --quick         # smoke mode: one epoch on 5,000 images -> runs/
  python -m scripts.run --all --quick --out DIR      # smoke-run every notebook into DIR
  python -m scripts.run --notebook 6 --seed 1234     # another seed -> runs/
  python -m scripts.run --notebook 6 --seeds 1 2 3 4 5   # a seed study -> runs/seeds/S7_Model_6_seed<S>.json
  python -m scripts.run --notebook 6 --validate      # hold out 5,000 training images -> runs/validation/
  python -m scripts.run --notebook 5 --set AUGMENT.degrees=15 --seeds 1 2 3   # your change, judged against the
                                                     # published seeds by the one rule -> runs/try_it/
  python -m scripts.run --notebook 6 --publish       # the maintainers': results/ and the saved notebook
  python -m scripts.run --report                     # README tables and plots, notebooks' Results cells

A run writes to runs/ (or --out) and then says how it compares with the published run of the same
recipe and seed; only --publish rewrites results/ and the notebook (s7/studies/runner.py).
"""
from __future__ import annotations

import sys

from s7.studies.change import run_notebook
from s7.studies.notebooks import NOTEBOOKS, NotebookError
from s7.studies.run_options import parse_args
from s7.studies.runner import use_data_root
from s7.studies.settings import RunError


def main(argv=None) -> int:
    args = parse_args(argv, __doc__)
    try:
        if args.report:
            from s7.studies.report.regenerate import regenerate
            regenerate()
            return 0
        use_data_root(args.data_root)
        for notebook in (NOTEBOOKS if args.all else [args.notebook]):
            run_notebook(notebook, args)
    except (RunError, NotebookError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was copied into place", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
