"""The documents generated from results/, split by what they write: the six steps' tables and the fit
table (steps.py), the ladders' (ladder_tables.py), the changes as per-seed differences
(differences.py), the public comparison (public_tables.py), the performance figures (performance.py),
TUNING.md's tables (tuning_md.py), the plots (plots.py), the notebooks' Results cells
(notebook_cells.py) and Try it answers (try_it_cells.py), the Colab links (colab.py); regenerate.py
writes them all into place."""
