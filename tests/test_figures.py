"""Every figure in a notebook's Target and Analysis comes from the sources that notebook reads or
names, at the precision written, and the check has teeth: a figure nudged by one in its last digit
is rejected unless the nudge lands on another value of the same source.

A notebook's sources:
- run: its own results file (every history value, parameters, multiply-adds) and its cells' outputs;
- config: its config cell's values and its model's defaults (widths, dropout), fractions also as
  percentages (pct_start 0.2 is "20%");
- results: its Results cell (the tables it shows: the seed study, the gain line, step 6's table);
- seeds: its seed study (seeds meeting the target as "k of N", the mean and the worst of the last 3);
- previous: the step before's results file and config (a Target says what it changes from);
- times: the back-to-back timing of every step's epoch (results/epoch_times.json), with dropout's cost.
Whole numbers up to 16 (epochs, steps, seeds, kernel sizes) are not checked, except as the k and
N of "k of N", which must be a count its Results cell or seed study states.
"""
import inspect
import re
from decimal import Decimal

import nbformat
import pytest
from conftest import ROOT

from s7.core.numbers import mean, pooled_last
from s7.core.places import results_path
from s7.core.records import load_results
from s7.core.target import meets_target
from s7.core.verdict import FITS_TRAINING, OVER_FITTING_GAP, SOME_OVER_FITTING_GAP
from s7.studies import record_sets as run_sets
from s7.studies.notebooks import notebook_parameters

NOTEBOOKS = range(1, 7)
# The exercise's constants (and MNIST's 28x28 images, 20x20 box), and the thresholds the series reads
# the fit with (s7/core/verdict.py, notebook 1's guide): figures quoted from definitions, not from runs.
CONSTANTS = {"99.4", "99.40", "8000", "8,000", "15", "28", "20"} | {
    str(v) for v in (FITS_TRAINING, OVER_FITTING_GAP, SOME_OVER_FITTING_GAP)}
FIGURE = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e-\d+)?")
COUNT = re.compile(r"(?<![\w.])(\d+) of (\d+)(?![\w.])")


def prose(n: int) -> dict[str, str]:
    nb = nbformat.read(ROOT / f"S7_Model_{n}.ipynb", as_version=4)
    return {t: c.source for c in nb.cells for t in c.metadata.get("tags", []) if t in ("target", "analysis")}


def flat_numbers(value) -> list[float]:
    """Every number inside a config value (dicts, lists, tuples), booleans left out."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in flat_numbers(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in flat_numbers(v)]
    return []


def config_values(n: int) -> list[float]:
    params = notebook_parameters(n)
    values = [x for k, v in params.items() if k.isupper() for x in flat_numbers(v)]
    defaults = inspect.signature(params["MODEL"]).parameters
    values += [x for p in defaults.values() if p.default is not inspect.Parameter.empty for x in flat_numbers(p.default)]
    return values + [round(100 * x, 6) for x in values if 0 < x < 1]


def record_values(record: dict) -> list[float]:
    return [float(v) for values in record["history"].values() for v in values] + [record["params"], record["macs"]]


def numbers_in(text: str) -> set[str]:
    return {m.replace(",", "") for m in FIGURE.findall(text)}


def seed_text(n: int) -> str:
    """The seed study's summary as its tables state it, over all its seeds and over seeds 1-5: seeds
    meeting the target, the mean and the worst of the last 3 epochs (each seed's own figures reach
    the prose through the tables that show them, the Results cell)."""
    lines = []
    for group in (run_sets.published_seeds(n), run_sets.study_records(n)):
        if group:
            lasts = pooled_last(group)
            lines.append(f"{sum(map(meets_target, group))} of {len(group)}; {mean(lasts):.2f} {min(lasts):.2f}")
    return "\n".join(lines)


def sources(n: int) -> dict[str, dict]:
    """name -> {"strings": numbers as written there, "values": numbers to format at a figure's precision}."""
    nb = nbformat.read(ROOT / f"S7_Model_{n}.ipynb", as_version=4)
    outputs = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                        for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    results = next(c.source for c in nb.cells if "results" in c.metadata.get("tags", []))
    found = {
        "run": dict(strings=numbers_in(outputs), values=record_values(load_results(results_path(n)))),
        "config": dict(strings=set(), values=config_values(n)),
        "results": dict(strings=numbers_in(results), values=[], text=results),
        "seeds": dict(strings=numbers_in(seed_text(n)), values=[], text=seed_text(n)),
        "constants": dict(strings=set(CONSTANTS), values=[]),
    }
    times = ROOT / "results" / "epoch_times.json"
    if times.exists():           # the back-to-back timing: each step's epoch, and what dropout costs step 4
        import json
        steps = json.loads(times.read_text())["steps"]
        medians = {name: step["median_s"] for name, step in steps.items()}
        found["times"] = dict(strings=set(), values=list(medians.values())
                              + [medians["4"] - medians["4 without dropout"]])
    if n > 1:
        previous = load_results(results_path(n - 1))
        found["previous"] = dict(strings=set(), values=[previous["params"], previous["macs"]] + config_values(n - 1))
    return found


def value_of(figure: str) -> Decimal:
    return Decimal(figure.replace(",", ""))


def accepts(source: dict, figure: str) -> bool:
    """Whether a source holds this figure at the precision written."""
    plain = figure.replace(",", "")
    if plain in source["strings"]:
        return True
    exponent = value_of(figure).as_tuple().exponent
    for v in source["values"]:
        if "e-" in figure:
            if Decimal(repr(v)) == value_of(figure):
                return True
        elif exponent < 0 and f"{v:.{-exponent}f}" == plain:
            return True
        elif exponent == 0 and v == int(plain):
            return True
    return False


def checked(figure: str, context: str) -> bool:
    """Small whole numbers are not checked (see the module's docstring), unless written in a count."""
    return not (figure.isdigit() and int(figure) <= 16) or "e-" in figure


def counts(text: str) -> list[str]:
    return [f"{k} of {total}" for k, total in COUNT.findall(text)]


def count_accepted(found: dict, count: str) -> bool:
    return any(count in source.get("text", "") for source in found.values())


SEED_SOURCES = ("results", "seeds", "constants")


def bound(found: dict, line: str) -> dict:
    """The sources a line of prose may quote: a line about seeds (plural) quotes the seed study and
    the tables that show it; any other line the run, its config, the step before and the tables."""
    about_seeds = re.search(r"\bseeds\b", line) is not None
    return {name: s for name, s in found.items() if (name in SEED_SOURCES) == about_seeds or name in ("results", "constants")}


def items(text: str) -> list[tuple[str, str]]:
    """(line, figure or count) for every checked figure and count of a text."""
    return ([(line, f) for line in text.splitlines() for f in FIGURE.findall(line) if checked(f, line)]
            + [(line, c) for line in text.splitlines() for c in counts(line)])


def holds(source: dict, item: str) -> bool:
    return item in source.get("text", "") if " of " in item else accepts(source, item)


def unmatched(n: int, text: str, found: dict) -> list[str]:
    return [item for line, item in items(text) if not any(holds(s, item) for s in bound(found, line).values())]


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_every_figure_in_target_and_analysis_comes_from_its_sources(n):
    """Each figure at the precision written, from a source its line may quote (see bound)."""
    found = sources(n)
    for tag, text in prose(n).items():
        assert not unmatched(n, text, found), f"notebook {n}'s {tag}: figures in none of its sources"


def nudged(figure: str) -> str:
    """The figure plus one in its last digit, written the same way."""
    if "e-" in figure:
        mantissa, exponent = figure.split("e-")
        return f"{int(mantissa) + 1}e-{exponent}"
    value = value_of(figure)
    step = Decimal(1).scaleb(value.as_tuple().exponent)
    out = value + step
    text = f"{out:,}" if "," in figure else str(out)
    return text


def test_the_number_test_rejects_every_nudged_figure():
    """Each figure of every Target and Analysis (and each count's k) nudged by one in its last digit:
    the number test rejects the nudge, unless the nudged value is another value of a source that holds
    the original (those are listed)."""
    landed, escaped, total = [], [], 0
    for n in NOTEBOOKS:
        found = sources(n)
        for tag, text in prose(n).items():
            for line, original in items(text):
                total += 1
                k, _, of = original.partition(" of ")
                nudge = f"{int(k) + 1} of {of}" if of else nudged(original)
                allowed = bound(found, line)
                holders = {name for name, s in allowed.items() if holds(s, original)}
                takers = {name for name, s in allowed.items() if holds(s, nudge)}
                if takers:
                    (landed if takers & holders else escaped).append(
                        f"notebook {n} {tag}: {original} -> {nudge} ({', '.join(sorted(takers))})")
    assert not escaped, "nudges accepted by a source that does not hold the original:\n" + "\n".join(escaped)
    print(f"{len(landed)} of {total} nudges land on another value of the same source:\n" + "\n".join(landed))
    # with few figures in the prose, a handful landing on neighbours (99.4 -> 99.5, a line of the fit) is
    # a large share: the teeth are that none escapes, and that most nudges are still caught
    assert len(landed) < total / 3, "\n".join(landed)


ANALYSIS_WORDS = {6: 250}          # every other notebook: at most 150
INNER_WORDS = ("gain lines", "choose nothing", "chooses nothing", "throw-away", "pass once", "seed table")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_each_analysis_is_a_short_judgement_not_a_copy_of_its_results(n):
    """3-6 sentences within the word limit, at most two figures repeated from the Results cell (small
    whole numbers and counts aside: see checked), and none of the project's inner words."""
    body = "\n".join(line for line in prose(n)["analysis"].splitlines() if not line.startswith("#"))
    assert len(body.split()) <= ANALYSIS_WORDS.get(n, 150), f"notebook {n}: {len(body.split())} words"
    assert 3 <= len(sentences(body)) <= 6, f"notebook {n}: {len(sentences(body))} sentences"
    repeated = {f.replace(",", "") for _, f in items(body) if " of " not in f} & sources(n)["results"]["strings"]
    assert len(repeated) <= 2, f"notebook {n} repeats its Results cell: {sorted(repeated)}"
    assert not [w for w in INNER_WORDS if w in body.lower()]
