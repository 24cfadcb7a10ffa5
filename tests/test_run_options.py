"""The runner's options (s7/studies/run_options.py): --publish takes only the notebook's own recipe, --report
goes alone, and each refusal says which option to drop or give."""
import pytest

from s7.studies import run_options


@pytest.mark.parametrize("args, message", [
    (["--notebook", "1", "--publish", "--quick"], "only the notebook's own recipe is published"),
    (["--notebook", "1", "--publish", "--seed", "3"], "only the notebook's own recipe is published"),
    (["--notebook", "1", "--publish", "--out", "x"], "not both"),
    (["--notebook", "6", "--publish", "--seeds", "1", "2", "--validate"], "validation runs are not published"),
    (["--notebook", "6", "--publish", "--validate"], "validation runs are not published"),
    (["--report", "--publish"], "give it alone"),
    (["--report", "--quick"], "give it alone"),
    (["--report", "--validate"], "give it alone"),
    (["--report", "--seeds", "1", "2"], "give it alone"),
    (["--report", "--out", "x"], "give it alone"),
    (["--report", "--set", "EPOCHS=5"], "give it alone"),
    (["--notebook", "1", "--set", "EPOCHS=5", "--publish"], "give --seeds with --set --publish"),
    (["--notebook", "1", "--baseline-here"], "--baseline-here goes with --set and --seeds"),
    (["--all", "--set", "EPOCHS=5"], "give --notebook N, not --all"),
])
def test_publishing_takes_only_the_notebooks_own_recipe(args, message, capsys):
    with pytest.raises(SystemExit):
        run_options.parse_args(args)
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["--notebook", "1", "--seed", "2", "--seeds", "1", "2"], "give --seed or --seeds, not both"),
    (["--notebook", "1", "--seed", "4294967296"], "bad seed 4294967296"),
    (["--notebook", "1", "--seed", "-1"], "bad seed -1"),
    (["--notebook", "1", "--epochs", "0"], "bad --epochs 0"),
    (["--notebook", "1", "--epochs", "101"], "bad --epochs 101"),
])
def test_the_runner_refuses_what_cannot_run(argv, words, capsys):
    with pytest.raises(SystemExit):
        run_options.parse_args(argv)
    assert words in capsys.readouterr().err


def test_the_edges_of_what_it_accepts_are_accepted():
    assert run_options.parse_args(["--notebook", "1", "--seed", str(2**32 - 1)]).seed == 2**32 - 1
    assert run_options.parse_args(["--notebook", "1", "--epochs", "1"]).epochs == 1
    assert run_options.parse_args(["--notebook", "1", "--epochs", "100"]).epochs == 100
