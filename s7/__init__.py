"""The package beside utils.py: what a learner need not read to follow a notebook, one idea a file,
in two layers whose arrows only point down:

  scripts/, search/   the commands (python -m scripts.run, python -m search.ablation, ...)
        |
  s7/studies/   what trains through utils.py or reads what it wrote: the runner, the recipes of the
                studies, the runs each table reads, the report (s7/studies/report/) and the class copies
        |
  utils.py, models.py   the learner's files
        |
  s7/core/      what utils.py stands on: data files, augmentation, CUDA graphs, results files, the
                series' one rule for "did it help?", your own digit; it imports nothing above it

A module in studies/ takes from utils.py only what utils.py itself defines (the studies train exactly
as the notebooks do); every s7 name is imported from s7, never through utils.py's re-exports.
tests/test_layout.py reads these layers from the folders and checks that the code imports this way.
"""
