"""TEACHING.md's generated part: how long each notebook and its questions take, from the back-to-back
timing (results/epoch_times.json) and, for step 6, the one GPU run (results/benchmark_cuda.json)."""
from __future__ import annotations

import json

from s7.core.places import BENCHMARK_CUDA, STUDY_SEEDS
from s7.studies import epoch_times
from s7.studies.notebooks import NOTEBOOKS, notebook_parameters, step_title
from s7.studies.report.try_it_cells import question_minutes
from s7.studies.try_it import QUESTIONS


def times_table() -> str:
    times = epoch_times.load()
    if not times:
        return "*Not measured yet: `python -m scripts.epoch_times --publish`, then `python -m scripts.run --report`.*"
    rows = ["| Notebook | What it changes | One run, training (15 epochs) | Its two Try it questions at 5 seeds, training |",
            "|---|---|---:|---:|"]
    for n in NOTEBOOKS:
        epochs = notebook_parameters(n)["EPOCHS"]
        questions = sum(question_minutes(n, settings, times) for _, settings, _ in QUESTIONS[n])
        rows.append(f"| {n} | {step_title(n)} | {epoch_times.run_minutes(times, n, epochs=epochs):.1f} min | "
                    f"about {questions:.0f} min |")
    lines = rows + ["", f"Measured on {epoch_times.machine(times)} (`results/epoch_times.json`): training time only, "
                        f"{len(STUDY_SEEDS)} runs a question; loading the data, the checks and each epoch's test add "
                        f"to every run (not measured here)."]
    gpu = BENCHMARK_CUDA
    if gpu.exists() and "full_training" in (b := json.loads(gpu.read_text())):
        lines.append(f"On a GPU only step 6 has been timed: one full run on an {b['device_name']} trained in "
                     f"{b['full_training']['train_seconds']:.1f} s (`results/benchmark_cuda.json`); the other notebooks "
                     f"and Colab's usual GPU are unmeasured.")
    return "\n".join(lines)
