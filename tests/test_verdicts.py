"""Every verdict on a change, recomputed from the files with the tests' own arithmetic."""
import json
from pathlib import Path

import pytest

from conftest import gain_words
from s7.places import ROOT


def last3(path: Path) -> list[float]:
    return json.loads(path.read_text())["history"]["test_acc"][-3:]


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_gain_lines_are_recomputed_from_the_seed_studies(n):
    """README's gain lines and each notebook's Results cell: step n against step n - 1 at seeds 1-5."""
    def means(step):
        files = [ROOT / "results" / "seeds" / f"S7_Model_{step}_seed{seed}.json" for seed in range(1, 6)]
        return {json.loads(f.read_text())["seed"]: sum(last3(f)) / 3 for f in files}
    before, after = means(n - 1), means(n)
    words = gain_words(before, after)
    amount, _, verdict = words.partition(": ")
    ranges = (f"(seed means {min(before.values()):.2f}-{max(before.values()):.2f}% -> "
              f"{min(after.values()):.2f}-{max(after.values()):.2f}%)")
    verdict += "" if "do not overlap" in verdict else " (the ranges overlap or touch)"
    line = f"Step {n} vs {n - 1}: {amount} {ranges}: {verdict}."
    assert line in (ROOT / "README.md").read_text()
    cells = json.loads((ROOT / f"S7_Model_{n}.ipynb").read_text())["cells"]
    assert any(line in "".join(c["source"]) for c in cells if "results" in c["metadata"].get("tags", []))
