"""s7/studies/report/steps.py: README's tables of the six steps: a step's gain line is the one rule on its
seed study against the step before's (recomputed here with the tests' own arithmetic), and the timing note
says where the seconds come from and what dropout costs."""
import json

import pytest
from conftest import difference_sentence, signed

from s7.core.places import ROOT
from s7.studies import epoch_times
from s7.studies.report import steps


def seed_means(step: int) -> dict[int, float]:
    files = [ROOT / "results" / "seeds" / f"S7_Model_{step}_seed{seed}.json" for seed in range(1, 6)]
    return {r["seed"]: sum(r["history"]["test_acc"][-3:]) / 3 for r in (json.loads(f.read_text()) for f in files)}


@pytest.mark.parametrize("n", [2, 6])
def test_a_steps_gain_line_is_its_seed_study_against_the_step_befores(n):
    before, after = seed_means(n - 1), seed_means(n)
    per_seed = ", ".join(signed(after[s] - before[s]) for s in range(1, 6))
    assert steps.gain_line(n) == f"Step {n} vs {n - 1}: {difference_sentence(before, after)}; per seed {per_seed}."


def test_the_timing_note_names_the_machine_and_what_dropout_costs():
    times = {"rounds": 3, "torch": "2.1.0", "cpu": "A CPU (avx2)", "threads": 4,
             "steps": {"4": {"median_s": 12.5}, epoch_times.NO_DROPOUT: {"median_s": 10.3}}}
    note = steps.time_note(times)
    assert "the median of 3 timed epochs" in note and "on A CPU (avx2), 4 threads, torch 2.1.0" in note
    assert note.endswith("Step 4 without its dropout: 10.3 s, so dropout costs 2.2 s an epoch on this CPU.")  # 12.5 - 10.3
