"""s7/studies/report/try_it_cells.py: generated Try it answers, regenerated from small runs made here: each
answer's figures are the change against its own notebook's seeds at all five seeds."""
import json

import nbformat
import pytest
from conftest import difference_sentence, one_rule, signed

import models
from s7.studies.report import try_it_cells

SEEDS = (1, 2, 3, 4, 5)
CHANGE = "S7_Model_5_AUGMENT.degrees-15"          # the change's runs, named as the runner names them


# the last 3 test accuracies of each seed: the published seed studies of steps 4 and 5, and a change to step 5
LAST3 = {
    4: {1: (99.10, 99.12, 99.14), 2: (99.41, 99.42, 99.40), 3: (99.00, 99.05, 99.10), 4: (99.20, 99.20, 99.25),
        5: (99.15, 99.10, 99.05)},
    5: {1: (99.40, 99.42, 99.44), 2: (99.30, 99.35, 99.38), 3: (99.45, 99.41, 99.43), 4: (99.50, 99.48, 99.46),
        5: (99.20, 99.39, 99.41)},
    "change": {1: (99.50, 99.52, 99.49), 2: (99.31, 99.36, 99.33), 3: (99.44, 99.47, 99.42), 4: (99.41, 99.45, 99.39),
               5: (99.38, 99.40, 99.44)},
}


def record(seed: int, last3) -> dict:
    return {"seed": seed, "params": 6000, "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + list(last3)}}


def means(which) -> dict:
    return {s: sum(LAST3[which][s]) / 3 for s in SEEDS}


def meeting(which) -> int:
    """Runs meeting the target: every one of the last 3 test accuracies 99.40% or more (all under 8,000
    parameters, 15 epochs)."""
    return sum(min(LAST3[which][s]) >= 99.4 for s in SEEDS)


@pytest.fixture
def small_results(tmp_path, monkeypatch):
    """Seed studies of steps 4 and 5 and a change's runs in tmp_path/results/, and the questions: a change
    of its own (notebook 5), and one answered by the other step's seed study (notebooks 4 and 5)."""
    results = tmp_path / "results"
    for n in (4, 5):
        for s in SEEDS:
            path = results / "seeds" / f"S7_Model_{n}_seed{s}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record(s, LAST3[n][s])))
    for s in SEEDS:
        path = results / "try_it" / f"{CHANGE}_seed{s}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record(s, LAST3["change"][s])))

    def seed_file(n, s):
        return results / "seeds" / f"S7_Model_{n}_seed{s}.json"

    def answer_paths(notebook, settings, row=None):
        if row:
            return [seed_file(row[1], s) for s in SEEDS]
        return [results / "try_it" / f"{CHANGE}_seed{s}.json" for s in SEEDS]

    def study_means(notebook, seeds=None):
        found = {}
        for s in SEEDS:
            if seed_file(notebook, s).exists() and (seeds is None or s in seeds):
                found[s] = sum(json.loads(seed_file(notebook, s).read_text())["history"]["test_acc"][-3:]) / 3
        return found
    questions = {5: [("rotate15", ["AUGMENT.degrees=15"], None), ("no_augment", ["AUGMENT=None"], ("seeds", 4))],
                 4: [("augment", ['AUGMENT={"degrees": 8, "shift": 2}'], ("seeds", 5))]}
    monkeypatch.setattr(try_it_cells, "QUESTIONS", questions)
    monkeypatch.setattr(try_it_cells, "answer_paths", answer_paths)
    monkeypatch.setattr(try_it_cells, "study_means", study_means)
    monkeypatch.setattr(try_it_cells, "seed_path", seed_file)
    monkeypatch.setattr(try_it_cells, "ROOT", tmp_path)
    return questions


def regenerated(notebook: int, questions) -> str:
    """A Try it cell with each question's markers, filled as --report fills it."""
    body = "\n".join(f"**{key}**\n" + "".join(f"<!-- generated:try_it_{name} start -->\nold\n<!-- generated:try_it_{name} end -->\n"
                                              for name in (key, f"cost_{key}"))
                     for key, _, _ in questions[notebook])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(body, metadata={"tags": ["try-it"]})])
    try_it_cells.fill_try_it(nb, notebook)
    return nb.cells[0].source


def block(text: str, key: str) -> str:
    return text.split(f"<!-- generated:try_it_{key} start -->\n")[1].split(f"\n<!-- generated:try_it_{key} end -->")[0]


def expected_answer(before: dict, after: dict, meeting_after: int, meeting_before: int, runs: str) -> str:
    diffs = one_rule(before, after)["diffs"]
    return (f"Against the published recipe at the same seeds: **{difference_sentence(before, after)}**.\n"
            f"Per seed: {', '.join(signed(d) for d in diffs)}. Seeds meeting the target: {meeting_after} of 5 "
            f"(the published recipe: {meeting_before} of 5). The runs: {runs}.")


def test_a_try_it_answer_is_its_change_against_its_own_notebooks_seeds(small_results):
    """Notebook 5's change at seeds 1-5 against step 5's seed study at seeds 1-5 (after minus before, each
    seed paired with its own number): the sentence, the five per-seed differences, the runs meeting the
    target on each side."""
    text = block(regenerated(5, small_results), "rotate15")
    assert text == expected_answer(means(5), means("change"), meeting("change"), meeting(5),
                                   f"`results/try_it/{CHANGE}_seed*.json`")
    assert len(one_rule(means(5), means("change"))["diffs"]) == 5


def test_an_answer_from_the_other_steps_seed_study_names_the_networks_the_right_way_round(small_results):
    """Model5 is Model4 renamed (a subclass that adds nothing): an answer taken from step 4's seed study
    in notebook 5, or from step 5's in notebook 4, says 'Model5 is Model4 unchanged'."""
    assert models.Model5.__bases__ == (models.Model4,)
    assert not set(vars(models.Model5)) - {"__module__", "__doc__", "__qualname__", "__firstlineno__", "__static_attributes__"}
    text = block(regenerated(5, small_results), "no_augment")
    assert text == expected_answer(means(5), means(4), meeting(4), meeting(5),
                                   "`results/seeds/S7_Model_4_seed*.json` (step 4's seed study: Model5 is Model4 "
                                   "unchanged, so step 4 is step 5 with exactly this change)")
    text = block(regenerated(4, small_results), "augment")
    assert text == expected_answer(means(4), means(5), meeting(5), meeting(4),
                                   "`results/seeds/S7_Model_5_seed*.json` (step 5's seed study: Model5 is Model4 "
                                   "unchanged, so step 5 is step 4 with exactly this change)")


def test_the_small_runs_tell_the_mistakes_apart():
    """The runs above are ones where the previous step's seeds, a flipped sign or a missing seed each give
    other figures, so the answers above could not pass with any of them."""
    right = difference_sentence(means(5), means("change"))
    assert difference_sentence(means(4), means("change")) != right                       # step 4 as the baseline
    assert difference_sentence(means("change"), means(5)) != right                       # before and after swapped
    for dropped in SEEDS:
        fewer = {s: v for s, v in means("change").items() if s != dropped}
        assert difference_sentence(means(5), fewer) != right
    assert meeting(4) != meeting(5)
