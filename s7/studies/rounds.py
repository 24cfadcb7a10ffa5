"""The validation search for a smaller step 6, as data: each round's candidates and the rule that
decides between them, written down before the round's runs (TUNING.md tells the rounds' story), the
rule applied to the runs, and the runs launched one process each.

Runs go through search/tune.py (the last 5,000 training images held out and evaluated on; the test
set is never read) into results/tuning/<round>_<candidate>_seed<S>.json. Finished runs are kept, and
a candidate whose finished seeds already hold a last-3 accuracy under the rule's minimum is ruled out
(its other seeds are not run; no seed could make it qualify). Parallel jobs suit a GPU,
where one process per run keeps the device busy; on a 2-core CPU use --jobs 1.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from s7.core.model_size import count_params
from s7.core.places import RESULTS_DIR, ROOT, TUNING, round_run_name, variant_path
from s7.core.records import load_results
from s7.core.target import summarize
from s7.studies import candidates

OUT = RESULTS_DIR / TUNING     # where a round's runs go (results/tuning/)
MEAN_BAR, MIN_BAR = 99.52, 99.40   # rounds 7-12's rule: the mean and the minimum of the last-3 validation accuracies

# Step 6's recipe when round 7 was written (Model6 at 7,490 parameters): every candidate trains with it.
STEP6_RECIPE = dict(epochs=15, batch_size=64,
                    optimizer=dict(name="SGD", lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
                    lr_schedule=dict(name="OneCycleLR", max_lr=0.1, pct_start=0.2, anneal_strategy="cos"),
                    augment=dict(degrees=8, shift=2), ema_decay=0.998)


def net(spec: str, head: str = "gap", **recipe) -> dict:
    """A candidates.Net layout trained with the step-6 recipe, `recipe` overriding parts of it."""
    return {"model": "Net", "config": {**STEP6_RECIPE, "model_kwargs": {"spec": spec, "head": head}, **recipe}}


WD3E4 = {**STEP6_RECIPE["optimizer"], "weight_decay": 3e-4}   # round 8's best training change
SCALE = dict(degrees=8, shift=2, scale=0.1)                      # step 6's augmentation with ±10% scale
ONECYCLE_DEFAULTS = dict(div_factor=25.0, final_div_factor=1e4)     # torch's, where a schedule does not say
# the public 4,968 solution's training (model_v3.py): OneCycle up to 0.065 from 0.013, down to 1.3e-4
PUBLIC4968_SCHEDULE = dict(name="OneCycleLR", max_lr=0.065, pct_start=0.1, div_factor=5, final_div_factor=100,
                           anneal_strategy="cos")
PUBLIC4968_AUGMENT = dict(degrees=5, shift=0.84, interpolation="nearest")   # ±5°, 3% of 28 px, torchvision's resampling
# round 11's ladder, by parameters: aNNNN = round 9's layout widened at the end, bNNNN = Model6's narrowed
LADDER = {"b5170": "c8 c10 M t8 c10 c14 c16", "a5192": "c6 c8 M t6 c10 c14 c20", "b5446": "c8 c10 M t8 c10 c14 c18",
          "a5468": "c6 c8 M t6 c10 c14 c22", "b5734": "c8 c12 M t8 c12 c14 c16", "a5736": "c6 c8 M t6 c10 c16 c20",
          "b6010": "c8 c12 M t8 c12 c14 c18", "a6048": "c6 c8 M t6 c10 c16 c22", "b6286": "c8 c12 M t8 c12 c14 c20",
          "a6360": "c6 c8 M t6 c10 c16 c24", "b6554": "c8 c12 M t8 c12 c16 c18", "a6672": "c6 c8 M t6 c10 c16 c26"}
# round 12's: the same two families on upward
LADDER12 = {"b6866": "c8 c12 M t8 c12 c16 c20", "a6984": "c6 c8 M t6 c10 c16 c28",
            "b7178": "c8 c12 M t8 c12 c16 c22", "a7296": "c6 c8 M t6 c10 c16 c30"}

ROUNDS = {
    "round7": {
        "seeds": [1, 2, 3, 4],
        "rule": ("Among the candidates (all under 5,000 parameters), adopt the one with the fewest parameters "
                 "whose 12 last-3 validation accuracies (seeds 1-4) have a mean of at least 99.52% and a minimum "
                 "of at least 99.40%; candidates within 100 parameters of each other count as equal, and then "
                 "fewer multiply-adds wins, then the higher mean. If none qualifies, the highest mean goes on "
                 "to the test seeds and the README reports the fallback."),
        "candidates": {
            "public4968": net("p4 p8 M c10 c16 M t8 c16 t10", "conv3"),   # the public layout, our recipe
            "narrow4168": net("c6 c8 M t6 c10 c12 c16"),                 # the 4,168-parameter probe that opened the search
            "m4058": net("p4 p8 M c10 c16 M t8 c16"),                    # two pools, averaged 16 features
            "a4002": net("c4 c8 M t6 c10 c12 c16"),                      # thinner first layer
            "b3868": net("p4 p8 M c8 c12 M t8 c12 t10", "conv3"),        # the public layout, narrower
            "l3786": net("c4 c8 M t6 c10 c12 c12 t16"),                  # a 1x1 expansion before the average
            "o3674": net("c4 c8 M t6 c8 c12 c16"),
            "a4002_aug6": net("c4 c8 M t6 c10 c12 c16", augment=dict(degrees=6, shift=2)),
            "a4002_ema999": net("c4 c8 M t6 c10 c12 c16", ema_decay=0.999),
            "a4002_wd5e-5": net("c4 c8 M t6 c10 c12 c16",
                                optimizer={**STEP6_RECIPE["optimizer"], "weight_decay": 5e-5}),
        },
    },
    # round 8: where the parameters sit, and the training and augmentation on round 7's best layout
    "round8": {
        "seeds": [1, 2, 3, 4],
        "rule": ("Round 7's rule: among the candidates (all under 5,000 parameters), adopt the one with the fewest "
                 "parameters whose 12 last-3 validation accuracies (seeds 1-4) have a mean of at least 99.52% and a "
                 "minimum of at least 99.40%; candidates within 100 parameters count as equal, then fewer "
                 "multiply-adds, then the higher mean. If none qualifies, round 9 combines the layout and the "
                 "training change with the highest means here (each above narrow4168's 99.43 of round 7), "
                 "under the same rule."),
        "candidates": {
            # where the parameters sit: round 7's best layout (narrow4168) with its width moved to the end
            "w4916": net("c6 c8 M t6 c10 c14 c18"),          # wider last two convs
            "e4680": net("c6 c8 M t6 c10 c12 c16 t24"),      # a 1x1 expansion before the average
            "s4292": net("c6 c8 M t8 c12 c16 s32"),          # a wide depthwise-separable last conv
            "s4574": net("c4 c8 M t8 c12 c16 s48"),          # thinner first conv, wider separable last
            "ss3304": net("c6 c8 M t8 c12 s24 s32"),         # two separable convs
            # the training and the augmentation, on narrow4168
            "n_lr0.2": net("c6 c8 M t6 c10 c12 c16",
                           lr_schedule={**STEP6_RECIPE["lr_schedule"], "max_lr": 0.2}),
            "n_batch32": net("c6 c8 M t6 c10 c12 c16", batch_size=32),
            "n_ema999": net("c6 c8 M t6 c10 c12 c16", ema_decay=0.999),
            "n_scale": net("c6 c8 M t6 c10 c12 c16", augment=SCALE),
            "n_wd3e-4": net("c6 c8 M t6 c10 c12 c16",
                            optimizer=WD3E4),
            "n_warm0.3": net("c6 c8 M t6 c10 c12 c16",
                             lr_schedule={**STEP6_RECIPE["lr_schedule"], "pct_start": 0.3}),
        },
    },
    # round 9: round 8's best layout and best training change combined (weight decay 3e-4 the new base)
    "round9": {
        "seeds": [1, 2, 3, 4],
        "rule": ("Round 7's rule (fewest parameters with a mean of at least 99.52% and a minimum of at least "
                 "99.40% over the 12 last-3 validation accuracies of seeds 1-4; within 100 parameters, fewer "
                 "multiply-adds, then the higher mean). The winner goes to the test seeds 1-10. If none "
                 "qualifies, the highest mean goes there and the README reports the fallback."),
        "candidates": {
            "w4916_wd3e-4": net("c6 c8 M t6 c10 c14 c18", optimizer=WD3E4),   # round 8's declared combination
            "e4680_wd3e-4": net("c6 c8 M t6 c10 c12 c16 t24", optimizer=WD3E4),
            "s4574_wd3e-4": net("c4 c8 M t8 c12 c16 s48", optimizer=WD3E4),
            "n_wd3e-4_scale": net("c6 c8 M t6 c10 c12 c16", optimizer=WD3E4,
                                  augment=SCALE),
            "n_wd5e-4": net("c6 c8 M t6 c10 c12 c16", optimizer={**WD3E4, "weight_decay": 5e-4}),
            "n_wd1e-3": net("c6 c8 M t6 c10 c12 c16", optimizer={**WD3E4, "weight_decay": 1e-3}),
            "n_wd3e-4_ema999": net("c6 c8 M t6 c10 c12 c16", optimizer=WD3E4, ema_decay=0.999),
            "n_wd3e-4_lr0.2": net("c6 c8 M t6 c10 c12 c16", optimizer=WD3E4,
                                  lr_schedule={**STEP6_RECIPE["lr_schedule"], "max_lr": 0.2}),
            "w4916_wd5e-4": net("c6 c8 M t6 c10 c14 c18", optimizer={**WD3E4, "weight_decay": 5e-4}),
            "w4916_wd3e-4_scale": net("c6 c8 M t6 c10 c14 c18", optimizer=WD3E4,
                                      augment=SCALE),
            "e4680_wd5e-4": net("c6 c8 M t6 c10 c12 c16 t24", optimizer={**WD3E4, "weight_decay": 5e-4}),
            # smaller layouts of rounds 7 and 8 with the new base
            "a4002_wd3e-4": net("c4 c8 M t6 c10 c12 c16", optimizer=WD3E4),
            "l3786_wd3e-4": net("c4 c8 M t6 c10 c12 c12 t16", optimizer=WD3E4),
            "o3674_wd3e-4": net("c4 c8 M t6 c8 c12 c16", optimizer=WD3E4),
            "ss3304_wd3e-4": net("c6 c8 M t8 c12 s24 s32", optimizer=WD3E4),
            "k2946_wd3e-4": net("c4 c6 M t6 c8 c10 c14", optimizer=WD3E4),
        },
    },
    # round 10: three parts of the design the rounds before left out, on round 9's best recipe
    "round10": {
        "seeds": [1, 2, 3, 4],
        "rule": ("Round 9's rule (fewest parameters with a mean of at least 99.52% and a minimum of at least "
                 "99.40% over the 12 last-3 validation accuracies of seeds 1-4; within 100 parameters, fewer "
                 "multiply-adds, then the higher mean). A winner goes to the test seeds 1-10; if none "
                 "qualifies, nothing goes to the test set."),
        "candidates": {
            "f4820": net("c6 c8 M t6 c10 f14 f22", optimizer=WD3E4, augment=SCALE),   # factorised, wider last
            "b_mom0.9": net("c6 c8 M t6 c10 c14 c18", optimizer=WD3E4, augment=SCALE,  # momentum 0.8-0.9
                            lr_schedule={**STEP6_RECIPE["lr_schedule"], "base_momentum": 0.8, "max_momentum": 0.9}),
            "b_rot12": net("c6 c8 M t6 c10 c14 c18", optimizer=WD3E4,                # stronger rotation
                           augment=dict(degrees=12, shift=2, scale=0.1)),
        },
    },
    # round 11: round 9's recipe (weight decay 3e-4, ±10% scale) on a ladder of sizes from ~5,000 to ~6,700
    # parameters in the two best layout families, and under 5,000 the directions not tried yet; listed,
    # and run, in ascending order of parameters
    "round11": {
        "seeds": [1, 2, 3, 4],
        "rule": ("The fewest parameters whose 12 last-3 validation accuracies (seeds 1-4) have a mean of at "
                 "least 99.52% and a minimum of at least 99.40%; candidates within 100 parameters of each other "
                 "count as equal, then fewer multiply-adds, then the higher mean. The runs go in ascending order "
                 "of parameters, so the rule decides once every candidate up to the first qualifier's size plus "
                 "100 has run. The winner goes to the test seeds 1-10 (CPU): if it meets the target on at least 9 "
                 "of 10, seed 1 among them, it becomes Model6; if not, the next qualifying size up goes to the "
                 "test seeds (at most two test passes). If none qualifies, nothing goes to the test set."),
        "candidates": {
            # one 3x3 block (14 -> 14) applied two or three times with the same weights
            "sh4392": net("c6 c8 M t6 c10 c14 c14 r1", optimizer=WD3E4, augment=SCALE),
            "sh4420": net("c6 c8 M t6 c10 c14 c14 r2", optimizer=WD3E4, augment=SCALE),
            # the public 4,968 solution's training on round 9's layout: exactly (no weight decay, no
            # weight average), and folded into round 9's recipe (its schedule, clipping and augmentation)
            "pub_w4916": net("c6 c8 M t6 c10 c14 c18", optimizer=dict(name="SGD", lr=0.065, momentum=0.9),
                             lr_schedule=PUBLIC4968_SCHEDULE, max_grad_norm=2.0, augment=PUBLIC4968_AUGMENT,
                             ema_decay=0.0),
            "pubmix_w4916": net("c6 c8 M t6 c10 c14 c18", optimizer=WD3E4, lr_schedule=PUBLIC4968_SCHEDULE,
                                max_grad_norm=2.0, augment=dict(degrees=5, shift=0.84)),
            # Adam and AdamW with OneCycle (torch's default betas, cycled 0.85-0.95 by OneCycleLR)
            "adam_w4916": net("c6 c8 M t6 c10 c14 c18", optimizer=dict(name="Adam", lr=0.01), augment=SCALE,
                              lr_schedule={**STEP6_RECIPE["lr_schedule"], "max_lr": 0.01}),
            "adamw_w4916": net("c6 c8 M t6 c10 c14 c18", optimizer=dict(name="AdamW", lr=0.01, weight_decay=0.01),
                               augment=SCALE, lr_schedule={**STEP6_RECIPE["lr_schedule"], "max_lr": 0.01}),
            # the ladder: family A widens round 9's last two convolutions, family B narrows Model6's layout
            **{name: net(spec, optimizer=WD3E4, augment=SCALE) for name, spec in LADDER.items()},
        },
    },
    # round 12: the ladder on upward in both families up to ~7,300 parameters, and Model6's own recipe
    # (weight decay 1e-4, no scale) on b6554: does round 9's recipe help the narrowed Model6 layout at all?
    "round12": {
        "seeds": [1, 2, 3, 4],
        "rule": ("Round 11's rule (the fewest parameters whose 12 last-3 validation accuracies, seeds 1-4, have a "
                 "mean of at least 99.52% and a minimum of at least 99.40%; within 100 parameters, fewer "
                 "multiply-adds, then the higher mean; runs in ascending order of parameters). The winner goes "
                 "to the test seeds 1-10 (CPU) and becomes Model6 if it meets the target on at least 9 of 10, "
                 "seed 1 among them; if not, the next qualifying size up goes there (round 11 sent none, so "
                 "this is the first of at most two test passes). If none qualifies, nothing goes to "
                 "the test set."),
        "candidates": {
            "b6554_step6": net(LADDER["b6554"]),   # Model6's recipe as it stands
            **{name: net(spec, optimizer=WD3E4, augment=SCALE) for name, spec in LADDER12.items()},
        },
    },
}


def run_rounds(round_names: list[str], jobs: int, out: Path) -> None:
    """Every candidate x seed of the rounds, in order, `jobs` at a time (one pool: no idle slots between rounds)."""
    commands = [(round_name, name, [sys.executable, "-m", "search.tune", round_run_name(round_name, name, seed),
                 "--model", c["model"], "--seed", str(seed), "--config", json.dumps(c["config"]), "--out", str(out)])
                for round_name in round_names
                for name, c in ROUNDS[round_name]["candidates"].items() for seed in ROUNDS[round_name]["seeds"]
                if not variant_path(round_run_name(round_name, name, seed), out).exists()]   # kept runs stay
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started, lock, stopping = set(), threading.Lock(), threading.Event()

    def launch(command):
        round_name, name, cmd = command
        if stopping.is_set():
            return cmd[3], None
        if ruled_out(round_name, name, out):
            return cmd[3], "ruled out"
        with open(logs / f"{cmd[3]}.log", "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
            with lock:
                started.add(proc)
            code = proc.wait()
            with lock:
                started.discard(proc)
            return cmd[3], code

    def stop(signum, _frame):
        """Ended (a timeout's SIGTERM, Ctrl-C): end the runs this process started, by their own handles."""
        stopping.set()
        with lock:
            for proc in started:
                proc.terminate()
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with ThreadPoolExecutor(jobs) as pool:
            for name, code in pool.map(launch, commands):
                if code == "ruled out":
                    print(f"{name}: not run, an earlier seed of its candidate has a last-3 validation accuracy "
                          f"below {MIN_BAR}, so it cannot qualify", flush=True)
                elif code is not None:
                    print(f"{name}: {'done' if code == 0 else f'FAILED (exit {code}), see {logs / name}.log'}",
                          flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def finished(round_name: str, name: str, folder: Path) -> list[dict]:
    """The candidate's finished runs, in seed order."""
    return [load_results(p) for seed in ROUNDS[round_name]["seeds"]
            if (p := variant_path(round_run_name(round_name, name, seed), folder)).exists()]


def ruled_out(round_name: str, name: str, folder: Path = OUT) -> bool:
    """Whether the candidate's finished seeds already hold a last-3 accuracy under the minimum, so that
    no further seed can make it qualify. Its remaining seeds are not run; no verdict changes."""
    return any(a < MIN_BAR for r in finished(round_name, name, folder) for a in summarize(r)["last"])


def round_decision(round_name: str, folder: Path = OUT) -> dict:
    """The round's figures per candidate and the candidate its rule picks (None: none qualifies). A
    candidate ruled out before its last seed has a row over the seeds it ran, marked complete False."""
    rnd = ROUNDS[round_name]
    rows = {}
    for name in rnd["candidates"]:
        records = finished(round_name, name, folder)
        complete = len(records) == len(rnd["seeds"])
        if not complete and not ruled_out(round_name, name, folder):
            continue
        lasts = [a for r in records for a in summarize(r)["last"]]
        rows[name] = {"params": records[0]["params"], "macs": records[0]["macs"], "seeds": [r["seed"] for r in records],
                      "complete": complete, "mean": sum(lasts) / len(lasts), "min": min(lasts)}
    qualified = [n for n, r in rows.items() if r["complete"] and r["mean"] >= MEAN_BAR and r["min"] >= MIN_BAR]
    chosen = None
    if qualified:
        fewest = min(rows[n]["params"] for n in qualified)
        near = [n for n in qualified if rows[n]["params"] <= fewest + 100]
        chosen = min(near, key=lambda n: (rows[n]["macs"], -rows[n]["mean"]))
    # a candidate not yet run that the rule could still prefer leaves the round undecided
    bound = rows[chosen]["params"] + 100 if chosen else float("inf")
    pending = [n for n in rnd["candidates"] if n not in rows and candidate_params(rnd["candidates"][n]) <= bound]
    if pending:
        chosen = None
    complete = [n for n in rows if rows[n]["complete"]]
    fallback = max(complete, key=lambda n: rows[n]["mean"]) if complete and not chosen and not pending else None
    return {"round": round_name, "rule": rnd["rule"], "rows": rows, "qualified": qualified,
            "chosen": chosen, "fallback": fallback, "pending": pending}


def candidate_params(candidate: dict) -> int:
    """A candidate's parameters, from its model (nothing trained)."""
    model = getattr(candidates, candidate["model"])(**candidate["config"].get("model_kwargs", {}))
    return count_params(model)


def recipe_change(config: dict) -> str:
    """What a search candidate changes in step 6's recipe (round 7's), in words."""
    base, changes = STEP6_RECIPE, []
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
        if sched.get(key, ONECYCLE_DEFAULTS.get(key)) != base["lr_schedule"].get(key, ONECYCLE_DEFAULTS.get(key)):
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
