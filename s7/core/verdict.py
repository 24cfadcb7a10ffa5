"""The series' one rule for "did this change help?", and where one run stands among a recipe's seeds.

A change is judged on seeds paired by number: seed k of the recipe with the change against seed k of
the recipe without it (the same data order, and the same initial weights where the networks are the
same). Each seed gives one difference (the mean of its last 3 test accuracies after, minus before);
their mean and its 95% interval, mean ± t·sd/√n with t for n - 1 degrees of freedom, say what the
change bought. When the whole interval lies above zero the change is a clear gain, below zero a clear
loss; when it holds zero, the change is within the seed noise, and the interval's width says how large
a change the seeds could have resolved. The interval is judged as computed, never as rounded for print:
an end at -0.0006 excludes zero; a figure that two decimals would show as 0.00 prints to its first
non-zero decimal (-0.001), and the words then say the margin ("a clear loss, by 0.001"). Of twenty changes that do nothing, about
one still gets an interval that excludes zero, by luck alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from s7.core.history import eval_split
from s7.core.numbers import mean

# Student's t, two-sided 95% (the 0.975 quantile), by degrees of freedom, to 3 decimals as tables print it
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
       11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
       20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
       29: 2.045, 30: 2.042}
CLEAR_GAIN, CLEAR_LOSS, NOISE = "a clear gain", "a clear loss", "within the seed noise"


def seed_mean(record: dict) -> float:
    """What a run contributes to a comparison: the mean of its last 3 evaluation accuracies."""
    h = record["history"]
    return mean(h[f"{eval_split(h)}_acc"][-3:])


@dataclass(frozen=True)
class Difference:
    """The per-seed differences of a change (after minus before, seeds paired by number), their mean
    and its 95% interval."""
    seeds: tuple[int, ...]
    diffs: tuple[float, ...]

    @property
    def mean(self) -> float:
        return mean(self.diffs)

    @property
    def half_width(self) -> float:
        n = len(self.diffs)
        sd = math.sqrt(sum((d - self.mean) ** 2 for d in self.diffs) / (n - 1))
        return T95[n - 1] * sd / math.sqrt(n)

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    @property
    def verdict(self) -> str:
        """The rule, read off the interval as computed (unrounded)."""
        if self.low > 0:
            return CLEAR_GAIN
        if self.high < 0:
            return CLEAR_LOSS
        return NOISE

    @property
    def margin(self) -> float:
        """How far the interval's end nearest zero lies from it (0 when the interval holds zero)."""
        return self.low if self.low > 0 else -self.high if self.high < 0 else 0.0

    @property
    def verdict_words(self) -> str:
        """The verdict, with its margin where two decimals would not show it: 'a clear loss, by 0.0006'."""
        if self.verdict != NOISE and round(self.margin, 2) == 0:
            return f"{self.verdict}, by {points(self.margin)[1:]}"
        return self.verdict


def paired_difference(before: dict[int, float], after: dict[int, float]) -> Difference | None:
    """The change from `before` to `after` (seed -> seed mean) at the seeds both have; None below 2."""
    seeds = tuple(sorted(set(before) & set(after)))
    if len(seeds) < 2:
        return None
    return Difference(seeds, tuple(after[s] - before[s] for s in seeds))


def points(value: float) -> str:
    """A difference in points, signed, to 2 decimals (+0.21, -0.05), or to as many more as its first
    non-zero digit needs (-0.002, -0.0006), so that no figure prints with a sign it does not have
    (no '+0.00' for -0.002); exactly zero is '0.00'."""
    if value == 0:
        return "0.00"
    decimals = 2
    while round(value, decimals) == 0 and decimals < 8:
        decimals += 1
    return f"{value:+.{decimals}f}"


def seeds_words(seeds) -> str:
    """'seeds 1-5', or 'seeds 1, 2, 4' where they are not a run of numbers."""
    seeds = sorted(seeds)
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}-{seeds[-1]}"
    return "seeds " + ", ".join(map(str, seeds))


def difference_words(d: Difference) -> str:
    """'+0.30 points (95% interval +0.21 to +0.39, seeds 1-5): a clear gain'; within the seed noise,
    the interval's width too."""
    words = f"{points(d.mean)} points (95% interval {points(d.low)} to {points(d.high)}, {seeds_words(d.seeds)}): {d.verdict_words}"
    if d.verdict == NOISE:
        words += f", an interval {2 * d.half_width:.2f} points wide"
    return words


# How the series reads the fit, on two axes measured apart (notebook 1's reading guide says why these lines):
# under-fitting from the clean training accuracy alone, over-fitting from the gap alone, so one step can
# read as both.
FITS_TRAINING = 99.5           # %: clean training accuracy under this is under-fitting (under 0.1 point above the target)
OVER_FITTING_GAP = 0.4         # points: a gap at or above this is over-fitting (it needs 99.8% on the training images)
SOME_OVER_FITTING_GAP = 0.15   # points: at or above (and under OVER_FITTING_GAP), some over-fitting (twice the gap's seed noise)
UNDER, FITS = "under-fitting", "no under-fitting"
OVER, SOME_OVER, NO_OVER = "over-fitting", "some over-fitting", "no over-fitting"


def under_fitting(clean_train_acc: float) -> str:
    """The first axis: how much of its own training set a network gets wrong (eval mode, no augmentation)."""
    return UNDER if clean_train_acc < FITS_TRAINING else FITS


def over_fitting(clean_train_acc: float, test_acc: float) -> str:
    """The second axis: how much more it gets wrong on the test set, the gap, in points (to 6 decimals,
    so that 99.7 - 99.3 reads 0.4 and not 0.4000000000000057)."""
    gap = round(clean_train_acc - test_acc, 6)
    return OVER if gap >= OVER_FITTING_GAP else SOME_OVER if gap >= SOME_OVER_FITTING_GAP else NO_OVER


def fit_reading(clean_train_acc: float, test_acc: float) -> str:
    """Both readings, under-fitting first: 'under-fitting, over-fitting', 'no under-fitting, some over-fitting'."""
    return f"{under_fitting(clean_train_acc)}, {over_fitting(clean_train_acc, test_acc)}"
