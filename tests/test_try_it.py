"""Try it: every notebook ends with questions a learner answers by running, each with the one-line
change (a --set command and the config-cell edit), a prompt to predict, and the measured answer folded
away; the answers are recomputed here from their files, and each file ran exactly the question's change."""
import json
import re

import nbformat
import pytest
from conftest import difference_sentence, one_rule, signed

import models
from s7.core.places import ROOT
from s7.studies import ladders
from s7.studies.notebooks import NOTEBOOKS, notebook_parameters, notebook_path
from s7.studies.recipe import notebook_recipe
from s7.studies.settings import apply_settings
from s7.studies.try_it import QUESTIONS, answer_paths, command


def try_it(n: int) -> str:
    cells = nbformat.read(notebook_path(n), as_version=4).cells
    assert "try-it" in cells[-1].metadata.get("tags", []), "Try it is the notebook's last cell"
    return cells[-1].source


def blocks(text: str) -> list[str]:
    return text.split("\n**")[1:]            # one block per question, from its bold title on


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_every_notebook_ends_with_questions_that_say_how_to_run_them(n):
    text = try_it(n)
    questions = QUESTIONS[n]
    assert len(questions) >= 2 and len(blocks(text)) == len(questions)
    assert "WHY" not in text
    for block, (key, settings, _) in zip(blocks(text), questions):
        assert f"`{command(n, settings)}`" in block, key
        assert "Predict first:" in block and "<details><summary>The measured answer</summary>" in block
        edit = re.search(r"In the config cell: `([^`]+)`", block)[1]           # the same change, as an edit
        values: dict = {}
        exec(edit, {}, values)
        assert values == apply_settings(n, settings), (key, values)
        why = block.split(f"<!-- generated:try_it_{key} end -->")[1].split("</details>")[0].strip()
        assert len(why.split()) >= 8, f"{key}: a sentence of why after the measured answer"


def answer_records(n: int, settings, row) -> list[dict]:
    return [json.loads(p.read_text()) for p in answer_paths(n, settings, row) if p.exists()]


def published_means(n: int) -> dict[int, float]:
    files = [ROOT / "results" / "seeds" / f"S7_Model_{n}_seed{s}.json" for s in range(1, 6)]
    return {json.loads(f.read_text())["seed"]: sum(json.loads(f.read_text())["history"]["test_acc"][-3:]) / 3 for f in files}


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_each_answer_is_recomputed_from_its_runs(n):
    text = try_it(n)
    for key, settings, row in QUESTIONS[n]:
        records = answer_records(n, settings, row)
        assert [r["seed"] for r in records] == [1, 2, 3, 4, 5], f"{key}: seeds 1-5 measured"
        raw = row and row[0] != "seeds" and next(r for r in ladders.rows(row[0]) if r["name"] == row[1]).get("trained_weights")
        key_acc = "raw_test_acc" if raw else "test_acc"
        after = {r["seed"]: sum(r["history"][key_acc][-3:]) / 3 for r in records}
        before = published_means(n)
        block = text.split(f"<!-- generated:try_it_{key} start -->")[1].split(f"<!-- generated:try_it_{key} end -->")[0]
        assert f"**{difference_sentence(before, after)}**" in block, key
        assert "Per seed: " + ", ".join(signed(d) for d in one_rule(before, after)["diffs"]) in block
        meeting = sum(min(r["history"][key_acc][-3:]) >= 99.4 for r in records)
        assert f"Seeds meeting the target: {meeting} of 5" in block


def same_network(name: str, notebook_model: str) -> bool:
    """The same class, or one a subclass of the other that adds nothing of its own (Model5 is Model4, renamed)."""
    def renames(cls, base):
        own = set(vars(cls)) - {"__module__", "__doc__", "__qualname__", "__firstlineno__", "__static_attributes__"}
        return cls.__bases__ == (base,) and not own
    a, b = getattr(models, name), getattr(models, notebook_model)
    return a is b or renames(a, b) or renames(b, a)


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_each_answer_ran_exactly_the_questions_change(n):
    """The runs of an answer differ from the published recipe in the question's change and nothing else:
    a runner-made answer records the changes it was run with; a ladder row's recipe is the notebook's
    recipe with those changes."""
    published = json.loads((ROOT / "results" / f"S7_Model_{n}.json").read_text())
    for key, settings, row in QUESTIONS[n]:
        changes = apply_settings(n, settings)
        for record in answer_records(n, settings, row):
            if row:
                expected = notebook_recipe({**notebook_parameters(n), **changes})
                recorded = {"ema_decay": 0.0, **record}          # a record without it ran no weight average
                assert {k: recorded[k] for k in expected} == expected, key
                assert same_network(record["model"], published["model"]), key
            else:
                assert record["changes"] == changes and record["settings"] == settings, key
                assert record["notebook"] == n and record["model"] == published["model"] and not record["quick"]
                param_to_field = {"EPOCHS": "epochs", "BATCH_SIZE": "batch_size", "AUGMENT": "augment"}
                for name, value in changes.items():
                    field = param_to_field.get(name)
                    if field:
                        assert record[field] == value
                    elif name == "OPTIMIZER":
                        assert record["optimizer"] == {"name": "SGD", **value}
                    elif name == "LR_SCHEDULE":
                        assert record["lr_schedule"] == {"name": "OneCycleLR", **value}
                    elif name == "DROPOUT":
                        assert record["model_kwargs"] == {"dropout": value}
                untouched = {"epochs", "batch_size", "augment", "optimizer", "lr_schedule", "ema_decay", "holdout"} - {
                    param_to_field.get(k, {"OPTIMIZER": "optimizer", "LR_SCHEDULE": "lr_schedule"}.get(k)) for k in changes}
                assert {k: record.get(k) for k in untouched} == {k: published.get(k) for k in untouched}, key


def test_no_two_questions_share_runs_and_none_is_answered_above_it():
    """Each question's runs are its own: no other question's files, and no seed study (a notebook prints
    its step against the step before above its questions). A one-at-a-time row may answer one only where
    the notebook's Results cell keeps that table folded, so a learner predicts before opening it."""
    seen = set()
    for n in NOTEBOOKS:
        results = next(c.source for c in nbformat.read(notebook_path(n), as_version=4).cells
                       if "results" in c.metadata.get("tags", []))
        for key, settings, row in QUESTIONS[n]:
            paths = answer_paths(n, settings, row)
            assert not seen & set(paths), key
            seen |= set(paths)
            if row is None:
                assert all(p.parent.name == "try_it" for p in paths), key
                continue
            assert row[0] != "seeds", f"{key}: a seed study's verdict is printed above the question"
            change = next(r for r in ladders.rows(row[0]) if r["name"] == row[1])["change"]
            shown = [block for block in results.split("<details>")[1:] if change in block]
            assert shown and all("</details>" in block.split(change)[1] for block in shown), key
            assert change not in results.split("<details>")[0], key


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_each_question_says_what_its_command_costs(n):
    """Five runs x the question's epochs x the step's epoch time from the back-to-back timing
    (results/epoch_times.json), recomputed here, the machine named."""
    path = ROOT / "results" / "epoch_times.json"
    if not path.exists():
        pytest.skip("no back-to-back timing yet: python -m scripts.epoch_times --publish")
    times = json.loads(path.read_text())
    seconds = times["steps"][str(n)]["median_s"]
    for block, (key, settings, _) in zip(blocks(try_it(n)), QUESTIONS[n]):
        epochs = next((int(s.split("=")[1]) for s in settings if s.startswith("EPOCHS=")), 15)
        expected = f"about {5 * epochs * seconds / 60:.0f} minutes of training on {times['cpu']}, {times['threads']} threads"
        assert expected in block and f"(5 runs x {epochs} epochs x {seconds:.1f} s)" in block, (key, expected)
