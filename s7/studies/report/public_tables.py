"""The public comparison: README's short table, RESULTS.md's full one, the fidelity of each re-run
to its author's log and what each re-run changed."""
from __future__ import annotations

import models
from s7.core.model_size import count_params
from s7.core.numbers import mean, pct, pooled_last
from s7.core.standing import published_seeds, where, where_counts
from s7.core.target import meets_target
from s7.studies.fidelity import FIDELITY_MARGIN, fidelity, test_side, test_side_words
from s7.studies.record_sets import (STEP6_ON_PUBLIC, original_runs, public_reruns, public_solutions, round_label,
                                    size_groups, tested_picks)
from s7.studies.rounds import recipe_change


def seeds_row(name: str, records: list[dict]) -> str:
    """A comparison row: a recipe's seeded runs, their last-3 mean and minimum, seeds meeting the target."""
    lasts = pooled_last(records)
    return (f"| {name} | {records[0]['params']:,} | last 3: mean {mean(lasts):.2f}, min {min(lasts):.2f}; "
            f"{sum(map(meets_target, records))} of {len(records)} seeds meet the target | {len(records)} |")


def public_rows(layouts: bool = True, rerun_only: bool = False, originals: bool = True) -> list[str]:
    """Each public solution as published (one run) and, where it was, re-run here; `layouts`: name
    each by its layout in RESULTS.md's shorthand; `rerun_only`: only the ones re-run here; `originals`:
    a row for its author's own code run here, where it was."""
    rows = []
    for p in public_solutions():
        reruns = public_reruns(p["rerun"]) if p.get("rerun") else []
        if rerun_only and not reruns:
            continue
        name = f"public: {p['recipe']}" if layouts else "a public solution"
        check = fidelity(p, reruns)
        side = test_side(p, reruns) if check and check["faithful"] else None
        shown = f"{p['what']}: {pct(p['shown'])}" + (
            f"; on test, above every re-run seed at {side['counts']['above']} of {len(side['epochs'])} epochs" if side else "")
        rows.append(f"| {name} | {p['params']:,} | {shown} | 1 |")
        if check and not check["faithful"]:      # its figures are not shown: they are not the author's recipe's
            rows.append(f"| the same, re-run here | {p['params']:,} | not a faithful re-run: its training does not "
                        f"match its author's log (RESULTS.md, Fidelity) | {len(reruns)} |")
        elif reruns:
            rows.append(seeds_row("the same, re-run here", reruns))
        own = original_runs(p["rerun"]) if p.get("rerun") and originals else []
        if own:     # their files name no parameter count: the solution's, whose code they ran
            rows.append(seeds_row("its author's own code, run here", [
                dict(r, params=p["params"], epochs=len(r["history"]["test_acc"])) for r in own]))
    return rows


def fidelity_table() -> str:
    """Each public re-run beside its author's own log: the train accuracy at epochs 1, 2 and the last
    (published, and the re-run seeds' range) and the rates; faithful or not (s7/studies/fidelity.py's rule).
    Where the author's own code was run here, its runs get a row of their own, by the same rule."""
    rows = ["| Runs here | Seeds | Train % epoch 1: the log; the seeds here | Epoch 2 | Last epoch | Rates | Faithful |",
            "|---|:---:|---|---|---|---|:---:|"]
    for p, label, runs in ((p, label, runs) for p in public_solutions() if p.get("rerun")
                           for label, runs in ((f"`{p['rerun']}`", public_reruns(p["rerun"])),
                                               (f"`{p['rerun']}`, the author's own code here", original_runs(p["rerun"])))):
        check = fidelity(p, runs)
        if check is None:
            continue
        cells = [f"{a['published']:.2f}; {a['low']:.2f}-{a['high']:.2f}"
                 + ("" if a["low"] <= a["published"] <= a["high"] else f" (inside the {FIDELITY_MARGIN} widening)" if a["inside"]
                    else " **outside**") for a in check["accuracy"]]
        cells[-1] = f"{check['accuracy'][-1]['epoch']}: {cells[-1]}"
        if check["rates"] is None:
            rates = "not logged"
        else:
            differ = [r for r in check["rates"] if not r["equal"]]
            rates = (f"equal at all {len(check['rates'])} epochs" if not differ else
                     "differ at epoch " + ", ".join(f"{r['epoch']} ({r['published']:g} published, "
                                                    f"{'/'.join(f'{h:g}' for h in r['here'])} here)" for r in differ))
        rows.append(f"| {label} ({p['params']:,}) | {check['seeds']} | {' | '.join(cells)} | {rates} | "
                    f"{'yes' if check['faithful'] else '**no**'} |")
    return "\n".join(rows)


def test_side_table() -> str:
    """The test side of each faithful re-run: where the author's published test accuracy sits among the
    re-run seeds, epoch by epoch, and by the mean of the last 3 epochs."""
    rows = ["| Re-run | Seeds | The author's test % against the re-run seeds, by epoch | Last 3: the author's mean; "
            "the seeds' means |", "|---|:---:|---|---|"]
    for p in public_solutions():
        reruns = public_reruns(p["rerun"]) if p.get("rerun") else []
        check = fidelity(p, reruns)
        side = test_side(p, reruns) if check and check["faithful"] else None
        if side:
            low, high = side["seed_means"]
            rows.append(f"| `{p['rerun']}` ({p['params']:,}) | {side['runs']} | {where_counts(side['counts'], len(side['epochs']), 'the re-run seeds')} | "
                        f"{side['last3']:.2f}; {low:.2f}-{high:.2f} ({side['last3_where']}) |")
    return "\n".join(rows)


def original_code_lines() -> list[str]:
    """The author's own code run here beside the re-implementation, epoch by epoch: the rate, the train
    and test accuracy of the author's log, of their code here (its seeds' range) and of the re-run."""
    lines = []
    for p in public_solutions():
        runs, reruns = (original_runs(p["rerun"]), public_reruns(p["rerun"])) if p.get("rerun") else ([], [])
        if not runs or not reruns or not p.get("log"):
            continue
        log, first = p["log"], runs[0]
        lines += [f"**`{p['rerun']}`: the author's own code** ({first['repository']} at {first['commit'][:7]}, "
                  f"{first['notebook']}), run here at seeds {', '.join(str(r['seed']) for r in runs)} on the CPU "
                  f"(`results/public/original/`, `search/author_code.py`; what it changed: each file's `changes`), beside "
                  f"the re-implementation's {len(reruns)} seeds and the author's log:", "",
                  "| Epoch | Rate: log; their code here; re-run | Train %: log; their code here; re-run | "
                  "Test %: log; their code here; re-run |", "|---:|---|---|---|"]
        for e in range(len(log["test_acc"])):
            cells = []
            for key, fmt in (("lr", "{:g}"), ("train_acc", "{:.2f}"), ("test_acc", "{:.2f}")):
                theirs = [r["history"][key][e] for r in runs]
                ours = [r["history"][key][e] for r in reruns]
                spread = (lambda xs: fmt.format(xs[0]) if min(xs) == max(xs) else f"{fmt.format(min(xs))}-{fmt.format(max(xs))}")
                cells.append(f"{fmt.format(log[key][e])}; {spread(theirs)}; {spread(ours)}")
            lines.append(f"| {e + 1} | " + " | ".join(cells) + " |")
        mine = test_side(p, runs)
        theirs_in_ours = [where(r["history"]["test_acc"][e], [q["history"]["test_acc"][e] for q in reruns])
                          for r in runs for e in range(len(log["test_acc"]))]
        lines += ["", f"The author's log against their own code here: {test_side_words(mine, 'its runs here')}. Their "
                      f"code's test accuracy against the re-run's seeds, over its {len(runs)} runs' "
                      f"{len(theirs_in_ours)} epochs: inside the re-run's range at "
                      f"{theirs_in_ours.count('inside')}, above every re-run seed at {theirs_in_ours.count('above')}, "
                      f"below every one at {theirs_in_ours.count('below')}.", ""]
    return lines


def layout_rows() -> list[str]:
    """A public layout trained with step 6's recipe (search/public.py): a point on the size frontier."""
    records = public_reruns(STEP6_ON_PUBLIC)
    return [seeds_row("this project's recipe on the public 3,762 layout", records)] if records else []


COMPARISON_HEAD = ["| Solution | Params | What it shows (test %) | Seeds shown |", "|---|---:|---|:---:|"]


def comparison_table(notebook: int = 6) -> str:
    """README's short comparison: the public solutions re-run here beside Model6, and a public layout
    with step 6's recipe (said plainly when it holds on at least 9 of 10 seeds); the authors' own code run
    here has its rows in RESULTS.md only."""
    rows = (COMPARISON_HEAD + public_rows(layouts=False, rerun_only=True, originals=False)
            + [seeds_row("**this project: Model6**", published_seeds(notebook))] + layout_rows())
    layout = public_reruns(STEP6_ON_PUBLIC)
    meeting = sum(map(meets_target, layout))
    if len(layout) >= 10 and meeting >= 0.9 * len(layout):
        rows += ["", f"Step 6's recipe on the public {layout[0]['params']:,}-parameter layout meets the target on "
                     f"{meeting} of {len(layout)} seeds: the smallest network known to hold on 9 of 10 seeds."]
    return "\n".join(rows)


def deviation_lines() -> list[str]:
    """What each re-run here changed from the published recipe, as its results files record it."""
    lines = []
    for name in [p["rerun"] for p in public_solutions() if p.get("rerun")] + [STEP6_ON_PUBLIC]:
        records = public_reruns(name)
        if records:
            said = sorted({r.get("deviations", "not recorded") for r in records})
            versions = sorted({r["albumentations"] for r in records if "albumentations" in r})
            lines.append(f"- `{name}` ({records[0]['params']:,} parameters, {len(records)} seeds): {'; '.join(said)}"
                         + (f"; albumentations installed when it ran: {', '.join(versions)}" if versions else "") + ".")
    return lines


def public_table(notebook: int = 6) -> str:
    """RESULTS.md's full comparison: the public solutions, Model6 and the same recipe narrower, a
    public layout with step 6's recipe, the validation search's picks; then each re-run's deviations."""
    rows = COMPARISON_HEAD + public_rows()
    for params, records in size_groups(notebook).items():
        rows.append(seeds_row("**this project: Model6**" if params == count_params(models.Model6())
                              else "this project, narrower", records))
    rows += layout_rows()
    for round_name, records in tested_picks().items():
        change = recipe_change(records[0])
        rows.append(seeds_row(f"this project, {round_label(round_name)}'s pick (`{records[0]['model_kwargs']['spec']}`"
                              f"{', ' + change if change != 'none' else ''})", records))
    return "\n".join(rows + ["", "What each re-run here changed from the published recipe (`search/public.py`; "
                                  "each results file records its own):", ""] + deviation_lines())
