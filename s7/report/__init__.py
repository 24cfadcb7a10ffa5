"""The documents generated from results/, split by what they write: the six steps' tables (steps.py),
the ladders' (ladder_tables.py), the public comparison (public_tables.py), the performance figures
(performance.py), TUNING.md's tables (tuning_md.py), the plots (plots.py), the notebooks' Results
cells (notebook_cells.py), the Colab links (colab.py); regenerate.py writes them all into place."""
