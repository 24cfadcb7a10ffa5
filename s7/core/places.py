"""Where every file of a run lives: the published results, the runs a reader makes, and each results file's name."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]      # the repository
RESULTS_DIR = ROOT / "results"                   # the published runs
RUNS = ROOT / "runs"                             # where a reader's runs go unless told otherwise (git-ignored)
SAMPLES_DIR = ROOT / "samples"                   # digits drawn for the project (pen strokes, not MNIST)

SEEDS_DIR = "seeds"             # a notebook's recipe at several seeds: seeds/S7_Model_<N>_seed<S>.json
VALIDATION = "validation"       # a notebook's recipe on the validation split: validation/S7_Model_<N>.json
ABLATION = "ablation"           # the one-at-a-time rows: ablation/<row>_seed<S>.json
PUBLIC = "public"               # the public solutions: public/<recipe>_seed<S>.json, public/published.json
ORIGINAL = "public/original"    # a public solution's own code run here: public/original/<name>_seed<S>.json
TUNING = "tuning"               # the validation search: tuning/<round>_<candidate>_seed<S>.json
SIZES = "sizes"                 # Model6's recipe at smaller widths: sizes/w_<widths>_seed<S>.json
TRY_IT = "try_it"               # a change's runs (the notebooks' questions): try_it/<change>_seed<S>.json
STUDY_SEEDS = (1, 2, 3, 4, 5)   # the seeds every recipe and change is compared on

EPOCH_TIMES = RESULTS_DIR / "epoch_times.json"        # every step timed back to back (scripts/epoch_times.py)
ROBUSTNESS = RESULTS_DIR / "robustness.json"          # the committed weights under perturbations
BENCHMARK_CUDA = RESULTS_DIR / "benchmark_cuda.json"  # scripts/benchmark.py on a GPU (the CPU's: benchmark.json)
BENCHMARKS = "benchmark*.json"                        # every benchmark file in RESULTS_DIR
PUBLISHED_LOGS = RESULTS_DIR / PUBLIC / "published.json"   # the public solutions' own logs, as their authors published


def results_path(notebook: int, out_dir=RESULTS_DIR, suffix=".json") -> Path:
    """A notebook's run: <out_dir>/S7_Model_<N>.json (and its weights, .pt)."""
    return Path(out_dir) / f"S7_Model_{notebook}{suffix}"


def seed_path(notebook: int, seed: int, out_dir=RESULTS_DIR) -> Path:
    """One seed of a notebook's seed study."""
    return Path(out_dir) / SEEDS_DIR / f"S7_Model_{notebook}_seed{seed}.json"


def seed_paths(notebook: int, out_dir=RESULTS_DIR) -> list[Path]:
    """Every seed of a notebook's seed study that is there."""
    return sorted((Path(out_dir) / SEEDS_DIR).glob(f"S7_Model_{notebook}_seed*.json"))


def study_paths(name: str, folder) -> list[Path]:
    """Every seed of a study's run named `name` that is there."""
    return sorted(Path(folder).glob(f"{name}_seed*.json"))


def study_path(name: str, seed: int, folder) -> Path:
    """One seed of a study's run named `name` (a ladder's row, a public recipe, a question's answer)."""
    return Path(folder) / f"{name}_seed{seed}.json"


def variant_path(name: str, folder) -> Path:
    """A search variant's run (search/tune.py): <folder>/<name>.json."""
    return Path(folder) / f"{name}.json"


def round_run_name(round_name: str, candidate: str, seed: int) -> str:
    """A search round's run of one candidate at one seed: <round>_<candidate>_seed<S>."""
    return f"{round_name}_{candidate}_seed{seed}"


def round_test_dir(round_name: str) -> Path:
    """Where a round's chosen candidate was run on the test set: results/<round>_test/."""
    return RESULTS_DIR / f"{round_name}_test"


def change_name(notebook: int, settings: list[str]) -> str:
    """A change's runs are named after the notebook and the settings as given: S7_Model_5_AUGMENT.degrees-15."""
    parts = [re.sub(r"[^A-Za-z0-9._-]+", "-", s.replace("=", "-")).strip("-") for s in settings]
    return f"S7_Model_{notebook}_" + "_".join(parts)


def change_path(notebook: int, settings: list[str], seed: int, out_dir=RESULTS_DIR) -> Path:
    """One seed of a change: <out_dir>/try_it/<change>_seed<S>.json."""
    return study_path(change_name(notebook, settings), seed, Path(out_dir) / TRY_IT)
