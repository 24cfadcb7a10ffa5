"""RESULTS.md's performance figures: the benchmark tables (scripts/benchmark.py's files) and the final run's time."""
from __future__ import annotations

import json
from pathlib import Path

import models
from s7.core.model_size import count_params
from s7.core.numbers import pct
from s7.core.places import BENCHMARKS, RESULTS_DIR, ROOT
from s7.core.target import TARGET_ACC
from s7.studies.benchmark import PATH_LABELS
from s7.studies.record_sets import notebook_record

PATHS = tuple((f"{name}_img_s", label) for name, label in PATH_LABELS.items())


def benchmark_table(path: Path) -> list[str]:
    b = json.loads(path.read_text())
    where = b.get("device_name") or f"{b['device']} ({b['threads']} threads)"
    update = ("step 6's, with the weight average" if b.get("step") or "full_training" in b
            else "plain SGD with momentum, no weight average (an earlier version of the benchmark)")
    lines = [f"**{where}**, torch {b['torch']}, `{path.relative_to(ROOT)}` (batch {b['batch_size']}, {b['batches']} "
             f"batches x {b['repeats']} repeats, medians; Model6, {b['params']:,} parameters, {b['macs']:,} MACs per image; "
             f"the training step: {update}):", "",
             "| Data path | Images/s | ms per step | vs (a) |", "|---|---:|---:|---:|"]
    for key, label in PATHS:
        if key in b:
            lines.append(f"| {label.format(workers=b.get('workers'))} | {b[key]:,} | {1000 * b['batch_size'] / b[key]:.2f} | "
                         f"{b[key] / b['dataloader_img_s']:.2f}x |")
    lines.append(f"| test-set evaluation (inference_mode, batch 2000) | {b['eval_img_s']:,} | | |")
    if "graphed_img_s" in b:
        lines += ["", f"The graphed step is {b['graphed_img_s'] / b['fast_img_s']:.1f} times the eager fast path"
                  + (f" ({b['graphed_repeatable_img_s'] / b['fast_img_s']:.1f} times with cuDNN's deterministic algorithms)."
                     if "graphed_repeatable_img_s" in b else ".")]
    current = count_params(models.Model6())
    if b["params"] != current:
        lines += [f"(Measured with the Model6 of the time, {b['params']:,} parameters; today's has {current:,}.)"]
    if "full_training" in b:
        t = b["full_training"]
        lines += [f"Step 6 as its notebook trains it (15 epochs, seed 1, weight average included"
                  f"{', each step a CUDA graph' if t.get('graphed') else ''}): **{t['train_seconds']:.1f} s** of training, "
                  f"{t['wall_seconds']:.1f} s with the evaluations; last 3 test accuracies {pct(t['last3_test_acc'])}% "
                  f"({'meets' if t['meets_target'] else 'misses'} the target)."]
    return lines + [""]


def performance_section() -> str:
    lines = []
    for path in sorted(RESULTS_DIR.glob(BENCHMARKS)):
        lines += benchmark_table(path)
    final = notebook_record(6)
    if final:
        h = final["history"]
        secs = h["seconds"]
        held = next((i for i in range(len(h["test_acc"])) if min(h["test_acc"][i:]) >= TARGET_ACC), None)
        lines += [f"The final model's published run trains its {len(secs)} epochs in **{sum(secs):.0f} s** on {final['device']} "
                  f"(evaluation excluded)" + (f"; its test accuracy is >= 99.40% from epoch {held + 1} on, "
                  f"reached after {sum(secs[:held + 1]):.0f} s." if held is not None else ".")]
    return "\n".join(lines)
