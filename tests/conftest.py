"""What the tests share: a tiny MNIST of their own, the real one where CI has it, a fresh copy of the
repository, and the tests' own arithmetic for the figures the tables print. The repository is on the
import path through pytest.ini (pythonpath = .)."""
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def write_idx(path: Path, tensor: torch.Tensor) -> None:
    """Write a uint8 tensor as an IDX file (the MNIST format): magic, dims, raw bytes."""
    magic = 0x0800 + tensor.dim()
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in tensor.shape)
    path.write_bytes(header + tensor.contiguous().numpy().tobytes())


def make_fake_mnist(root: Path, n_train: int = 64, n_test: int = 32, seed: int = 0) -> Path:
    """A tiny MNIST laid out as torchvision expects, with learnable labels (a bright square
    whose position encodes the digit)."""
    g = torch.Generator().manual_seed(seed)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = torch.randint(0, 10, (n,), generator=g, dtype=torch.uint8)
        images = torch.randint(0, 40, (n, 28, 28), generator=g).to(torch.uint8)
        for i, y in enumerate(labels.tolist()):
            r, c = 2 + 8 * (y // 4), 2 + 6 * (y % 4)
            images[i, r:r + 6, c:c + 6] = 255
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return root


@pytest.fixture
def fake_root(tmp_path):
    return make_fake_mnist(tmp_path / "data")


@pytest.fixture(scope="session")
def real_root():
    """The real MNIST (CI sets MNIST_ROOT=../shared/data)."""
    root = os.environ.get("MNIST_ROOT")
    if not root or not (Path(root) / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists():
        pytest.skip("real MNIST not found: set MNIST_ROOT to the folder holding MNIST/raw/")
    return Path(root)


def first_epoch(record: dict) -> dict:
    return {k: v[0] for k, v in record["history"].items() if k != "seconds"}


def repeats(rerun: dict, committed: dict) -> None:
    """A committed run's first epoch, retrained: to the bit on the CPU kind that trained it (the record
    names its CPU; there nothing less than equal passes). Other CPUs
    take other kernel paths (measured on an AVX-512 Xeon: after one epoch, training accuracy 0.17 points
    off and a first-epoch test accuracy 3.1 points off); there the rate must still be the same and the
    epoch's training figures close."""
    from s7.core.records import cpu_name
    same_kind = committed.get("cpu") == cpu_name()
    rerun, committed = first_epoch(rerun), first_epoch(committed)
    if same_kind or (rerun["train_loss"] == committed["train_loss"] and rerun["train_acc"] == committed["train_acc"]):
        assert rerun == committed, "the CPU kind that trained it repeats it bit for bit"
        return
    assert rerun["lr"] == committed["lr"]
    assert rerun["train_loss"] == pytest.approx(committed["train_loss"], rel=0.01)
    assert rerun["train_acc"] == pytest.approx(committed["train_acc"], abs=0.5)


@pytest.fixture
def assert_repeats():
    """The check every test of a committed run's first epoch shares (test_recipe, test_runner, test_public)."""
    return repeats


def fresh_copy(dest: Path) -> Path:
    """The repository as a fresh clone would have it (every file git tracks, and the untracked ones it
    does not ignore), copied to dest: no runs/, no data, nothing an earlier run left."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def digest(folder: Path) -> dict:
    """Each file under folder (by relative path) and the md5 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def one_rule(before: dict, after: dict) -> dict:
    """The series' one rule, recomputed with the tests' own arithmetic: the per-seed differences (seeds
    paired by number, at the seeds both have), their mean, the 95% interval mean ± t·sd/√n with
    Student's t from SciPy (to the 3 decimals a table prints), and the verdict read off the interval as
    computed (never as rounded for print), with its margin where two decimals would hide it."""
    import math
    import statistics

    from scipy import stats
    seeds = sorted(set(before) & set(after))
    diffs = [after[s] - before[s] for s in seeds]
    m = statistics.fmean(diffs)
    half = round(float(stats.t.ppf(0.975, len(diffs) - 1)), 3) * statistics.stdev(diffs) / math.sqrt(len(diffs))
    low, high = m - half, m + half
    verdict = "a clear gain" if low > 0 else "a clear loss" if high < 0 else "within the seed noise"
    near = low if low > 0 else high if high < 0 else None     # the interval's end nearest zero, when it excludes zero
    words = verdict + (f", by {signed(abs(near))[1:]}" if near is not None and abs(near) < 0.005 else "")
    return dict(seeds=seeds, diffs=diffs, mean=m, low=low, high=high, half=half, verdict=verdict, words=words)


def signed(x: float) -> str:
    """A signed figure to 2 decimals, or to the first decimal that is not zero where 2 would read 0.00;
    exactly zero is '0.00'."""
    if x == 0:
        return "0.00"
    text, decimals = f"{x:+.2f}", 2
    while float(text) == 0:
        decimals += 1
        text = f"{x:+.{decimals}f}"
    return text


def difference_cell(before: dict, after: dict) -> str:
    """A ladder table's last cell: '+0.21 (+0.15 to +0.27): a clear gain'."""
    r = one_rule(before, after)
    return f"{signed(r['mean'])} ({signed(r['low'])} to {signed(r['high'])}): {r['words']}"


def difference_sentence(before: dict, after: dict) -> str:
    """A gain line's words: '+0.30 points (95% interval +0.21 to +0.39, seeds 1-5): a clear gain'."""
    r = one_rule(before, after)
    seeds = r["seeds"]
    which = (f"seeds {seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1))
             else "seeds " + ", ".join(map(str, seeds)))
    words = f"{signed(r['mean'])} points (95% interval {signed(r['low'])} to {signed(r['high'])}, {which}): {r['words']}"
    return words + (f", an interval {2 * r['half']:.2f} points wide" if r["verdict"] == "within the seed noise" else "")
