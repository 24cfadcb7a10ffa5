"""s7/studies/report/plots.py: the difference and ladder plots, drawn from small runs made here: each plotted
interval has the colour of its verdict (green a clear gain, red a clear loss, grey within the seed noise), and
the ladder draws each row's seeds and their mean."""
import pytest
from conftest import one_rule
from matplotlib.colors import to_hex, to_rgb

from s7.studies.report import differences, plots

SEEDS = (1, 2, 3, 4, 5)


def record(seed: int, last3) -> dict:
    return {"seed": seed, "params": 6000, "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + list(last3)}}


# ----------------------------------------------------------------------------
# The plots
# ----------------------------------------------------------------------------
GREEN, RED = to_hex("tab:green"), to_hex("tab:red")


def grey(colour) -> bool:
    """A shade of grey: red, green and blue alike."""
    r, g, b = to_rgb(colour)
    return r == g == b


def row_runs(means_by_seed: dict) -> list[dict]:
    return [record(s, [m] * 3) for s, m in means_by_seed.items()]


BASE = {1: 99.00, 2: 99.10, 3: 99.05, 4: 98.95, 5: 99.02}
GAIN = {s: BASE[s] + d for s, d in zip(SEEDS, (0.10, 0.12, 0.09, 0.11, 0.10))}        # each row against the row above
LOSS = {s: GAIN[s] + d for s, d in zip(SEEDS, (-0.20, -0.18, -0.21, -0.19, -0.22))}
NOTHING = {s: LOSS[s] + d for s, d in zip(SEEDS, (0.15, -0.12, 0.05, -0.10, 0.02))}
LADDER = [({"label": "base", "runs_here": True}, BASE), ({"label": "+ gain", "runs_here": True}, GAIN),
          ({"label": "+ loss", "runs_here": True}, LOSS), ({"label": "+ nothing", "runs_here": True}, NOTHING)]


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """The figure each plot draws (the axes handed to save_with_legend_below), saved into tmp_path."""
    rows = [(row, row_runs(values)) for row, values in LADDER]
    monkeypatch.setattr(differences, "ablation_records", lambda ladder: rows)
    monkeypatch.setattr(plots, "ablation_records", lambda ladder: rows)
    axes = []
    save = plots.save_with_legend_below

    def keep(fig, ax, path, **kwargs):
        axes.append(ax)
        return save(fig, ax, path, **kwargs)
    monkeypatch.setattr(plots, "save_with_legend_below", keep)
    return axes


def test_each_interval_is_drawn_in_the_colour_of_its_verdict(drawn, tmp_path):
    """Step 6's one-at-a-time ladder from four rows of five seeds: each row against the row above, a
    clear gain, a clear loss and one within the seed noise (the rule recomputed here); each mean is drawn
    with its 95% interval in green, red and grey, each seed's difference as a point."""
    path = plots.plot_differences("step6", path=tmp_path / "differences.png")
    assert path == tmp_path / "differences.png" and path.exists()
    (ax,) = drawn
    rules = [one_rule(before, after) for (_, before), (_, after) in zip(LADDER, LADDER[1:])]
    assert [r["verdict"] for r in rules] == ["a clear gain", "a clear loss", "within the seed noise"]
    bars = [c for c in ax.containers if len(c.lines[0].get_xdata())]              # the legend's entries hold no data
    assert len(bars) == 3
    for bar, rule, colour in zip(sorted(bars, key=lambda c: c.lines[0].get_xdata()[0]), rules, (GREEN, RED, "grey")):
        mean_line, _, (interval,) = bar.lines
        assert list(mean_line.get_ydata()) == pytest.approx([rule["mean"]])
        (segment,) = interval.get_segments()
        assert [segment[0][1], segment[1][1]] == pytest.approx([rule["low"], rule["high"]])
        drawn_in = {to_hex(mean_line.get_color())} | {to_hex(c) for c in interval.get_colors()}
        if colour == "grey":
            assert all(grey(c) for c in drawn_in), (rule["verdict"], drawn_in)
        else:
            assert drawn_in == {colour}, (rule["verdict"], drawn_in)
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert [list(p.get_ydata()) for p in points] == [pytest.approx(r["diffs"]) for r in rules]


def test_the_ladder_draws_each_rows_seeds_and_their_mean(drawn, tmp_path):
    """The ladder itself: each seed's mean of its last 3 epochs as a blue point, the rows' mean over the
    seeds as a red bar, the 99.40% target as a grey line."""
    path = plots.plot_ablation("step6", path=tmp_path / "ablation.png")
    assert path == tmp_path / "ablation.png" and path.exists()
    (ax,) = drawn
    seeds = [line for line in ax.lines if line.get_marker() == "o"]
    bars = [line for line in ax.lines if line.get_marker() == "_"]
    assert [list(line.get_ydata()) for line in seeds] == [pytest.approx(list(values.values())) for _, values in LADDER]
    assert [list(line.get_ydata()) for line in bars] == [pytest.approx([sum(v.values()) / 5]) for _, v in LADDER]
    assert {to_hex(line.get_color()) for line in seeds} == {to_hex("C0")}
    assert {to_hex(line.get_color()) for line in bars} == {to_hex("C3")}
    target = [line for line in ax.lines if list(line.get_ydata()) == [99.4, 99.4]]
    assert len(target) == 1 and grey(target[0].get_color())
    assert not grey(to_hex("C0")) and not grey(to_hex("C3"))
