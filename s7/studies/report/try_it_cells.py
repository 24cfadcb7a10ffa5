"""The measured answers of each notebook's Try it questions (s7/studies/try_it.py), generated into the notebook's
cell tagged "try-it" between its markers; the questions, the prompts and the why are the notebook's own."""
from __future__ import annotations

import re

from s7.core.places import ROOT, STUDY_SEEDS, seed_path
from s7.core.records import load_results
from s7.core.standing import study_means
from s7.core.target import meets_target
from s7.core.verdict import difference_words, paired_difference, points, seed_mean
from s7.studies import epoch_times
from s7.studies.notebooks import notebook_parameters
from s7.studies.try_it import QUESTIONS, answer_paths, command

START, END = "<!-- generated:try_it_{} start -->", "<!-- generated:try_it_{} end -->"


def answer(notebook: int, key: str) -> str:
    """A question's measured answer: the change's runs at seeds 1-5 against the published seed study at
    the same seeds, by the one rule; or, before its runs, the command that makes them."""
    settings, row = next((s, r) for k, s, r in QUESTIONS[notebook] if k == key)
    paths = [p for p in answer_paths(notebook, settings, row) if p.exists()]
    if not paths:
        return f"*Not measured yet: `{command(notebook, settings)} --publish`.*"
    records = [load_results(p) for p in paths]
    changed = {r["seed"]: seed_mean(r) for r in records}
    baseline = study_means(notebook, STUDY_SEEDS)
    d = paired_difference(baseline, changed)
    meeting = sum(map(meets_target, records))
    published = sum(meets_target(load_results(seed_path(notebook, s))) for s in baseline)
    where = f"`{paths[0].parent.relative_to(ROOT)}/{re.sub(r'_seed1$', '_seed*', paths[0].stem)}.json`" + source(notebook, row)
    lines = [f"Against the published recipe at the same seeds: **{difference_words(d)}**.",
             f"Per seed: {', '.join(points(x) for x in d.diffs)}. Seeds meeting the target: {meeting} of {len(records)} "
             f"(the published recipe: {published} of {len(baseline)}). The runs: {where}."]
    return "\n".join(lines)


def source(notebook: int, row) -> str:
    """What the answer's runs were made for, where they were not made for the question."""
    if not row:
        return ""
    if row[0] == "seeds":
        other = row[1]
        return (f" (step {other}'s seed study: Model{max(notebook, other)} is Model{min(notebook, other)} unchanged, "
                f"so step {other} is step {notebook} with exactly this change)")
    return " (a row of step 6's take-away table: the same change)"


def try_it_cell(nb):
    return next((c for c in nb.cells if "try-it" in c.metadata.get("tags", [])), None)


def question_epochs(notebook: int, settings: list[str]) -> int:
    """The epochs a question's runs train: its EPOCHS setting, else the notebook's."""
    given = [int(value) for name, _, value in (s.partition("=") for s in settings) if name.strip() == "EPOCHS"]
    return given[-1] if given else notebook_parameters(notebook)["EPOCHS"]


def question_minutes(notebook: int, settings: list[str], times: dict) -> float:
    """Training minutes of a question's five-seed command at the step's measured epoch time."""
    epochs = question_epochs(notebook, settings)
    return epoch_times.run_minutes(times, notebook, epochs=epochs, seeds=len(STUDY_SEEDS))


def cost(notebook: int, settings: list[str]) -> str:
    """What a question's five-seed command costs in training time on the machine the back-to-back timing
    measured, at the step's measured epoch time and the question's number of epochs."""
    times = epoch_times.load()
    if not times:
        return "not measured yet (`python -m scripts.epoch_times --publish`)"
    epochs = question_epochs(notebook, settings)
    return (f"about {question_minutes(notebook, settings, times):.0f} minutes of training on {epoch_times.machine(times)} "
            f"({len(STUDY_SEEDS)} runs x {epochs} epochs x {epoch_times.seconds_per_epoch(times, notebook):.1f} s)")


def fill_try_it(nb, notebook: int) -> None:
    """Write each of the notebook's questions' answers and costs between their markers in its Try it cell."""
    cell = try_it_cell(nb)
    if cell is None:
        return
    for key, settings, _ in QUESTIONS.get(notebook, []):
        for name, body in ((key, answer(notebook, key)), (f"cost_{key}", cost(notebook, settings))):
            start, end = START.format(name), END.format(name)
            pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
            if not pattern.search(cell.source):
                raise ValueError(f"notebook {notebook}'s Try it cell lacks the markers {start} ... {end}")
            cell.source = pattern.sub(lambda _, body=body: f"{start}\n{body}\n{end}", cell.source)
