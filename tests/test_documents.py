"""README.md, RESULTS.md and TUNING.md: their generated parts are what results/ gives, and README reads in a newcomer's order."""
from s7.core.numbers import pct
from s7.core.places import results_path
from s7.core.records import load_results
from s7.core.target import summarize
from s7.studies.notebooks import NOTEBOOKS
from s7.studies.report.colab import git_remote, github_repo
from s7.studies.report.regenerate import (END, README, RESULTS_MD, START, TEACHING_MD, TUNING_MD, readme_blocks,
                                          results_blocks)
from s7.studies.report.tuning_md import tuning_blocks


def test_readme_and_tuning_generated_parts_match_results():
    for path, blocks in ((README, readme_blocks(github_repo(git_remote()))),
                         (RESULTS_MD, results_blocks()), (TUNING_MD, tuning_blocks())):
        text = path.read_text()
        for name, body in blocks.items():
            block = f"{START.format(name)}\n{body}\n{END.format(name)}"
            assert block in text, f"{path.name}'s generated '{name}' part differs from results/: run --report"
    text = README.read_text()
    for n in NOTEBOOKS:
        s = summarize(load_results(results_path(n)))
        row = next(line for line in text.splitlines() if line.startswith(f"| {n} | Model{n} |"))
        assert f"| {s['params']:,} |" in row and f"| {pct(s['last'])} |" in row
    assert TEACHING_MD.exists()

def test_readme_puts_the_reader_first():
    """One screen first: what this is, the headline (recomputed from step 6's seeds), a table of at most
    six columns (its figures recomputed), one figure and the two commands; then, under "More", the
    rest in a newcomer's order."""
    text = README.read_text()
    first = text.split("## More")[0]
    assert len(first.split()) <= 400 and first.count("![") == 1
    assert "pip install -r requirements.txt\npython -m scripts.run --notebook 1" in first
    seeds = [load_results(p) for p in sorted((results_path(6).parent / "seeds").glob("S7_Model_6_seed*.json"))]
    lasts = [a for r in seeds for a in r["history"]["test_acc"][-3:]]
    meeting = sum(min(r["history"]["test_acc"][-3:]) >= 99.4 and r["params"] < 8000 for r in seeds)
    assert f"meets the target at **{meeting} of {len(seeds)} seeds** (mean of the last 3 epochs over its {len(seeds)} seeds " \
           f"{sum(lasts) / len(lasts):.2f}%, lowest single epoch {min(lasts):.2f}%)" in first
    table = [line for line in first.splitlines() if line.startswith("| ")]
    assert len(table) == 7 and all(line.count("|") - 1 <= 6 for line in table)
    for n in NOTEBOOKS:
        runs = [load_results(p) for p in sorted((results_path(n).parent / "seeds").glob(f"S7_Model_{n}_seed*.json"))
                if load_results(p)["seed"] <= 5]
        last3 = [a for r in runs for a in r["history"]["test_acc"][-3:]]
        row = next(line for line in table if line.startswith(f"| {n} |"))
        assert f"| {summarize(load_results(results_path(n)))['params']:,} | {sum(last3) / len(last3):.2f} |" in row, row
    order = ["## More", START.format("steps"), START.format("gains"), START.format("fit"), START.format("takeaway"),
             START.format("seeds"), START.format("comparison"), START.format("robustness"),
             "### Change a step", "### For maintainers", "pip install -r requirements.txt -r requirements-dev.txt\npython -m pytest -q"]
    places = [text.index(marker) for marker in order]
    assert places == sorted(places), [m for m, p in zip(order, places)]
    assert text.count(START.format("comparison")) == 1 and START.format("ablation") not in text
    for linked in ("RESULTS.md", "TUNING.md", "TEACHING.md", "LICENSE"):
        assert f"]({linked})" in first, linked


def test_notebook_6_says_where_its_run_and_the_gpu_run_stand_among_its_seeds():
    """Recomputed from the files: seed 1's rank among step 6's seeds, and the GPU run's mean of its last
    3 epochs against the CPU seeds' means; a run that is not one of the seeds gets neither, only where
    it lies among them."""
    import json

    import nbformat

    from s7.core.places import RESULTS_DIR
    from s7.core.standing import published_seeds
    from s7.studies.notebooks import notebook_path
    from s7.studies.report.notebook_cells import final_run_lines

    means = {r["seed"]: sum(r["history"]["test_acc"][-3:]) / 3 for r in published_seeds(6)}
    record = load_results(results_path(6))
    mine = sum(record["history"]["test_acc"][-3:]) / 3
    rank = 1 + sum(m > mine for m in means.values())
    cell = next(c.source for c in nbformat.read(notebook_path(6), as_version=4).cells if "results" in c.metadata.get("tags", []))
    assert f"This run (seed 1) is number {rank} of the {len(means)} seeds" in cell
    gpu = json.loads((RESULTS_DIR / "benchmark_cuda.json").read_text())["full_training"]
    gpu_mean = sum(gpu["last3_test_acc"]) / 3
    side = ("above every one of" if gpu_mean > max(means.values()) else "below every one of"
            if gpu_mean < min(means.values()) else "inside the range of")
    assert f"mean {gpu_mean:.2f}%, {side} the {len(means)} CPU seeds' means" in cell

    other = json.loads(json.dumps(record))
    other["history"]["test_acc"][-3:] = [99.0, 99.1, 99.2]           # not one of the seeds: below them all
    lines = final_run_lines(other)
    assert lines == [f"- This run's mean of its last 3 epochs, 99.10%, lies below every one of the published recipe's "
                     f"{len(means)} seed means ({min(means.values()):.2f}-{max(means.values()):.2f}%)."]


def test_the_teaching_guide_states_times_from_the_measurement():
    """TEACHING.md's times, recomputed from results/epoch_times.json: a 15-epoch run, and the two Try it
    questions at five seeds (notebook 1's first trains 5 epochs)."""
    import json

    import pytest
    path = results_path(1).parent / "epoch_times.json"
    text = TEACHING_MD.read_text()
    if not path.exists():
        assert "Not measured yet" in text
        pytest.skip("no back-to-back timing yet")
    times = json.loads(path.read_text())
    epochs = {1: (5, 15)}
    for n in NOTEBOOKS:
        s = times["steps"][str(n)]["median_s"]
        questions = sum(5 * e * s / 60 for e in epochs.get(n, (15, 15)))
        row = next(line for line in text.splitlines() if line.startswith(f"| {n} |"))
        assert row.endswith(f"| {15 * s / 60:.1f} min | about {questions:.0f} min |"), row
    assert f"{times['cpu']}, {times['threads']} threads" in text


def test_the_sentence_under_the_samples_table_says_what_the_table_shows():
    """README's and notebook 6's sentence on the samples, against the table's cells: the slanted 6 misread
    centred by steps 1-3 only, the off-centre 3 read as 9 by steps 1-3 and as 3 by steps 4-6 with centring
    off, the small 5 misread off-centre by four of the six, step 6 among them."""
    text = README.read_text()
    table = text.split(START.format("samples"))[1].split(END.format("samples"))[0]
    rows = {line.split("|")[1].strip(" `"): [c.strip() for c in line.split("|")[3:-1]]
            for line in table.splitlines() if line.startswith("| `")}
    read = {name: [cell.strip("*").split()[0] for cell in cells] for name, cells in rows.items()}
    assert [d != "6" for d in read["hard_slanted_6.png"][:6]] == [True] * 3 + [False] * 3
    assert read["hard_offcentre_3.png"][6:] == ["9", "9", "9", "3", "3", "3"]
    small = [d != "5" for d in read["hard_small_5.png"][6:]]
    assert sum(small) == 4 and small[5]
    assert all(d == name[6] for name, ds in read.items() if name.startswith("digit_") for d in ds[:6])
    assert "steps 1-3 reading 9 and steps 4-6 reading 3" in text
