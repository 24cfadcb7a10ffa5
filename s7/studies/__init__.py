"""What trains through utils.py or reads what it wrote. A module here takes from utils.py only what
utils.py defines (train, test, the loaders, ...) and every other s7 name from s7/core/.

  notebooks    the notebooks' parameters cells    runner        a notebook executed and put in place
  recipe       a seeded run from a recipe dict    record_sets   which runs each table reads
  ladders, rounds, candidates, public, fidelity, try_it          the studies as data
  robustness   the committed weights under perturbations
  epoch_times  every step timed back to back      student_copies  the notebooks for a class
  report/      the generated documents
"""
