"""Which runs each published table reads, and the small table-writers README.md and TUNING.md share.

A notebook's run (results/S7_Model_N.json), its seed study (results/seeds/), step 6's changes one
at a time (results/ablation/ and the seed studies of steps 5 and 6), the size sweep
(results/sizes/), a search round's validation runs (results/tuning/<round>_*) and test seeds
(results/<round>_test/), the public solutions (results/public/published.json).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "search"))     # ablation: which runs step 6's one-change-at-a-time table reads

from s7.records import RESULTS_DIR as RESULTS, TARGET_ACC  # noqa: E402,F401
from s7.records import load_results, mean, meets_target, pooled_last, results_path, summarize, trained_weights  # noqa: E402

NOTEBOOKS = range(1, 7)
STUDY_SEEDS = range(1, 6)     # the seeds every notebook's recipe is compared on
TUNING = RESULTS / "tuning"
PUBLISHED = RESULTS / "public" / "published.json"
STEP6_ON_PUBLIC = "step6_on_3762"     # a public layout trained with step 6's recipe (search/public.py)
SEARCH_ROUNDS = ("round7", "round8", "round9", "round10", "round11", "round12")   # the rounds written as code (search/search.py)


def pct(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def load_notebook(notebook: int, folder=RESULTS):
    path = results_path(notebook, folder)
    return load_results(path) if path.exists() else None


def seed_records(notebook: int = 6) -> list[dict]:
    files = sorted((RESULTS / "seeds").glob(f"S7_Model_{notebook}_seed*.json"),
                   key=lambda p: int(p.stem.split("seed")[1]))
    return [load_results(f) for f in files]


def study_records(notebook: int) -> list[dict]:
    """The notebook's runs at seeds 1-5, the same seeds for every notebook (6 has more)."""
    return [r for r in seed_records(notebook) if r["seed"] in STUDY_SEEDS]


def seed_means(notebook: int) -> dict[int, float]:
    """Seed -> mean of that run's last 3 test accuracies, seeds 1-5 (results/seeds/)."""
    return {r["seed"]: mean(summarize(r)["last"]) for r in study_records(notebook)}


def ablation_records(ladder: str = "step6") -> list[tuple[dict, list[dict]]]:
    """A one-change-at-a-time ladder (search/ablation.py: step6, step6_without, step4): each row with
    its runs at seeds 1-5, in the ladder's order; a row read from a weight-average run as its trained
    weights where it says so."""
    import ablation
    table = []
    for row in ablation.rows(ladder):
        paths = [ablation.row_path(row, seed, RESULTS) for seed in ablation.SEEDS]
        records = [load_results(p) for p in paths if p.exists()]
        table.append((row, [trained_weights(r) for r in records] if row.get("raw") else records))
    return table


def ladder_trained(ladder: str) -> bool:
    """Whether any row a ladder trains has a run yet (until then its table is not shown)."""
    return any(records for row, records in ablation_records(ladder) if row["trained"])


def size_groups(notebook: int = 6) -> dict[int, list[dict]]:
    """Parameters -> the test-set runs of the final recipe at that size (seed study and size sweep)."""
    groups: dict[int, list[dict]] = {}
    for r in seed_records(notebook) + [load_results(f) for f in sorted((RESULTS / "sizes").glob("*.json"))]:
        groups.setdefault(r["params"], []).append(r)
    return dict(sorted(groups.items(), reverse=True))


def round_of(stem: str) -> str:
    """The search round a results/tuning/ file belongs to: its 'roundN_' prefix; none: round 1."""
    head = stem.split("_", 1)[0]
    return head if head.startswith("round") and head[5:].isdigit() else "round1"


def candidate_of(stem: str) -> str:
    """A results/tuning/ file's candidate: its name without the round prefix and the seed."""
    name = stem.rsplit("_seed", 1)[0]
    return name.split("_", 1)[1] if round_of(stem) != "round1" else name


def round_runs(round_name: str) -> dict[str, list[dict]]:
    """Candidate -> its validation runs (by seed) in one search round, from results/tuning/."""
    runs: dict[str, list[dict]] = {}
    for f in sorted(TUNING.glob("*.json")):
        if round_of(f.stem) == round_name:
            runs.setdefault(candidate_of(f.stem), []).append(load_results(f))
    return {name: sorted(records, key=lambda r: r["seed"]) for name, records in runs.items()}


def round_test_records(round_name: str = "round7") -> list[dict]:
    """The candidate a search round's rule sent to the test set, per seed (results/<round>_test/)."""
    files = (RESULTS / f"{round_name}_test").glob("*.json")
    return sorted((load_results(f) for f in files), key=lambda r: r["seed"])


def round_label(round_name: str) -> str:
    return round_name.replace("round", "round ")


def tested_picks() -> dict[str, list[dict]]:
    """Round -> the test-set runs of the candidate its rule sent there (rounds that sent one)."""
    picks = {name: round_test_records(name) for name in SEARCH_ROUNDS}
    return {name: records for name, records in picks.items() if records}


def public_solutions() -> list[dict]:
    """The public solutions' published figures, each with where they were read."""
    return json.loads(PUBLISHED.read_text())["solutions"]


FIDELITY_MARGIN = 0.3     # points: how far outside the re-run seeds' range an author's train accuracy may lie


def fidelity(solution: dict, records: list[dict]) -> dict | None:
    """Is a re-run what its author ran? Checked against the author's own per-epoch log (published.json's
    'log'): the rates must equal the logged ones at every logged epoch (to the 4 figures a log prints),
    and the author's train accuracy at epochs 1, 2 and the last must lie within the re-run seeds'
    range widened by FIDELITY_MARGIN. Train accuracy is the check because it is measured the same way
    on both sides (over the epoch, in training mode) and moves with everything a recipe sets: the
    optimizer, the schedule, the augmentation. None: no log, or no runs."""
    log = solution.get("log")
    if not log or not records:
        return None
    epochs = len(log["train_acc"])
    accuracy = []
    for epoch in (1, 2, epochs):
        seeds = [r["history"]["train_acc"][epoch - 1] for r in records]
        published = log["train_acc"][epoch - 1]
        accuracy.append(dict(epoch=epoch, published=published, low=min(seeds), high=max(seeds),
                             inside=min(seeds) - FIDELITY_MARGIN <= published <= max(seeds) + FIDELITY_MARGIN))
    rates = None
    if log.get("lr"):
        rates = [dict(epoch=e, published=rate, here=sorted({r["history"]["lr"][e - 1] for r in records}))
                 for e, rate in enumerate(log["lr"], 1)]
        for rate in rates:
            rate["equal"] = all(abs(here - rate["published"]) <= 5e-4 * rate["published"] + 1e-9 for here in rate["here"])
    faithful = all(a["inside"] for a in accuracy) and all(r["equal"] for r in rates or [])
    return dict(accuracy=accuracy, rates=rates, faithful=faithful, seeds=len(records))


def public_reruns(name: str) -> list[dict]:
    """A public recipe's seeded test-set runs here (search/public.py -> results/public/<name>_seed<S>.json)."""
    files = (RESULTS / "public").glob(f"{name}_seed*.json")
    return sorted((load_results(f) for f in files), key=lambda r: r["seed"])


def seed_table(records: list[dict]) -> str:
    """One row per seed of a recipe's runs and a summary line (trained weights beside an average)."""
    if not records:
        return "*No seed runs yet: `python scripts/run.py --notebook 6 --seeds 1 2 3 4 5`.*"
    averaged = all("raw_test_acc" in r["history"] for r in records)
    rows = ["| Seed | Params | Last 3 test % | Mean of last 3 | Min of last 3 | Meets target |"
            + (" Trained weights (not averaged), last 3 % |" if averaged else ""),
            "|---:|---:|---|---:|---:|:---:|" + ("---|" if averaged else "")]
    for r in records:
        s = summarize(r)
        rows.append(f"| {r['seed']} | {s['params']:,} | {pct(s['last'])} | {sum(s['last']) / 3:.2f} | "
                    f"{s['min_last']:.2f} | {'yes' if meets_target(r) else 'no'} |"
                    + (f" {pct(summarize(trained_weights(r))['last'])} |" if averaged else ""))
    lasts = pooled_last(records)
    rows += ["", f"{sum(map(meets_target, records))} of {len(records)} seeds meet the target; over all "
                 f"{len(lasts)} last-3 epochs: mean {mean(lasts):.2f}%, minimum {min(lasts):.2f}%."]
    if averaged:
        trained = [trained_weights(r) for r in records]
        raw = pooled_last(trained)
        rows[-1] += (f" The trained weights alone: {sum(map(meets_target, trained))} of {len(records)}, "
                     f"mean {mean(raw):.2f}%, minimum {min(raw):.2f}%.")
    return "\n".join(rows)


def recipe_change(config: dict) -> str:
    """What a search candidate changes in step 6's recipe (round 7's), in words."""
    import search
    base, changes = search.STEP6_RECIPE, []
    opt, base_opt = config["optimizer"], base["optimizer"]
    if opt["name"] != base_opt["name"]:
        changes.append(f"{opt['name']} lr {opt['lr']:g}" + (f", weight decay {opt['weight_decay']:g}" if opt.get("weight_decay") else ""))
    elif (opt.get("momentum"), opt.get("nesterov", False)) != (base_opt["momentum"], base_opt["nesterov"]):
        changes.append(f"SGD momentum {opt.get('momentum', 0):g}{', Nesterov' if opt.get('nesterov') else ''}")
    if opt["name"] == "SGD" and opt.get("weight_decay", 0) != base_opt["weight_decay"]:
        changes.append(f"weight decay {opt.get('weight_decay', 0):.0e}".replace("e-0", "e-").replace("0e+00", "0"))
    sched = config.get("lr_schedule", base["lr_schedule"])
    for key, label in (("max_lr", "peak rate"), ("pct_start", "warm-up share"), ("div_factor", "div"),
                       ("final_div_factor", "final div")):
        if sched.get(key, search.ONECYCLE_DEFAULTS.get(key)) != base["lr_schedule"].get(key, search.ONECYCLE_DEFAULTS.get(key)):
            changes.append(f"{label} {sched[key]:g}")
    if "max_momentum" in sched:       # OneCycleLR's default cycle: 0.85-0.95
        changes.append(f"momentum {sched['base_momentum']:g}-{sched['max_momentum']:g}")
    if config.get("max_grad_norm"):
        changes.append(f"gradient norm clipped at {config['max_grad_norm']:g}")
    if config.get("batch_size", base["batch_size"]) != base["batch_size"]:
        changes.append(f"batch {config['batch_size']}")
    if config.get("ema_decay", base["ema_decay"]) != base["ema_decay"]:
        changes.append(f"weight average {config['ema_decay']:g}" if config["ema_decay"] else "no weight average")
    augment = config.get("augment", base["augment"])
    if (augment["degrees"], augment["shift"]) != (base["augment"]["degrees"], base["augment"]["shift"]):
        changes.append(f"±{augment['degrees']}°, ±{augment['shift']:g} px")
    if augment.get("scale"):
        changes.append(f"scale ±{augment['scale']:.0%}")
    if augment.get("interpolation", "bilinear") != "bilinear":
        changes.append(f"{augment['interpolation']} resampling")
    return ", ".join(changes) or "none"
