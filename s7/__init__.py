"""The package beside utils.py: what a learner need not read to follow a notebook, one idea a file.

Two layers, and the arrows only point down:

  scripts/, search/   the commands (python -m scripts.run, python -m search.ablation, ...)
        |
  the studies and reports, which build on utils.py and models.py:
        notebooks   the notebooks' parameters cells      runner       a notebook executed and put in place
        recipe      a seeded run from a recipe dict       record_sets  which runs each table reads
        ladders, rounds, candidates, public, fidelity, try_it     the studies as data
        robustness  the committed weights under perturbations          report/  the generated documents
        student_copies  the notebooks without outputs, Analysis or Try it's answers, for a class
        |
  utils.py, models.py  the learner's files
        |
  what utils.py stands on, which imports nothing above it:
        places (where files live), records (results files), data_checks, pixels, augment, gpu,
        pil_loader, digits, verdict (the series' one rule for "did it help?"), and canvas (draw a
        digit), which also takes the six networks' classes from models.py (which imports nothing of ours)

tests/test_layout.py checks that the code imports this way.
"""
