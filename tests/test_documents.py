"""README.md, RESULTS.md and TUNING.md: their generated parts are what results/ gives, and README reads in a newcomer's order."""
from s7.notebooks import NOTEBOOKS
from s7.records import load_results, pct, summarize
from s7.places import results_path
from s7.report.colab import git_remote, github_repo
from s7.report.regenerate import END, README, RESULTS_MD, START, TUNING_MD, readme_blocks, results_blocks
from s7.report.tuning_md import tuning_blocks


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

def test_readme_puts_the_reader_first():
    """What this is, how to open the notebooks (the CPU-only hint before the install line), the steps,
    step 6's changes, the final model across seeds, the comparison, robustness, instructors, maintainers."""
    text = README.read_text()
    # 12,000 before the per-seed counts, step 4's line and step 6's take-away table; both tables of step 6 belong here
    assert len(text) < 15_000, len(text)
    order = ["**The target:**", "download.pytorch.org/whl/cpu", "pip install -r requirements.txt\npython -m scripts.run --notebook 1",
             "colab.research.google.com", START.format("steps"), START.format("ablation"),
             START.format("seeds"), START.format("comparison"), START.format("robustness"),
             "## Change a step", "## For maintainers", "pip install -r requirements.txt -r requirements-dev.txt\npython -m pytest -q"]
    places = [text.index(marker) for marker in order]
    assert places == sorted(places), [m for m, p in zip(order, places)]
    assert text.count(START.format("comparison")) == 1
    table = text.split(START.format("comparison"))[1].split(END.format("comparison"))[0]
    assert len([line for line in table.splitlines() if line.startswith("| ") and "---" not in line]) - 1 <= 8
    assert "RESULTS.md" in text and "TUNING.md" in text
