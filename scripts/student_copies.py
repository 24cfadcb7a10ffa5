"""Student copies of the six notebooks, for a class (run from the repository's root):

  python -m scripts.student_copies DEST     # S7_Model_1..6.ipynb -> DEST (created if need be)

Each copy has no outputs, no Analysis, a Results cell that leaves the figures to the student's own
run, and Try it's questions without their measured answers (s7/studies/student_copies.py says exactly what
is left out). A DEST that would overwrite the published notebooks is refused, and nothing is written.
"""
from __future__ import annotations

import argparse
import sys

from s7.studies.student_copies import StudentCopyError, write_student_copies


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def main(argv=None) -> int:
    p = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dest", metavar="DEST", help="the folder the student copies go to (not the repository's root)")
    args = p.parse_args(argv)
    try:
        written = write_student_copies(args.dest)
    except StudentCopyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} student copies to {args.dest}: {', '.join(p.name for p in written)}")
    print("they import utils.py and models.py from their working folder: open them in Colab (the first cell "
          "clones the repository) or from a clone of it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
