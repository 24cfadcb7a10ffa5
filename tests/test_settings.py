"""A change set by name (s7/studies/settings.py, `--set NAME=VALUE`): every value the series uses is taken,
and a value that cannot run is refused in one line that names the parameters and says what to do."""
import re

import pytest

from s7.studies import runner
from s7.studies.settings import apply_settings


def test_a_change_is_set_by_name_and_a_bad_one_refused_with_the_names_and_values():
    assert apply_settings(5, ["AUGMENT.degrees=15"]) == {"AUGMENT": {"degrees": 15, "shift": 2}}
    assert apply_settings(6, ["OPTIMIZER.nesterov=False", "OPTIMIZER.weight_decay=0.0"]) == {
        "OPTIMIZER": {"lr": 0.1, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0}}
    assert apply_settings(4, ["OPTIMIZER.weight_decay=0.001"])["OPTIMIZER"]["weight_decay"] == 0.001   # SGD takes it
    assert apply_settings(5, ["AUGMENT=None"]) == {"AUGMENT": None}
    assert apply_settings(1, ["EPOCHS=15"]) == {}                      # no change
    for setting, words in (("FOO=1", "has no parameter 'FOO'"), ("SEED=3", "has no parameter 'SEED'"),
                           ("EPOCHS=abc", "not a Python literal"), ("EPOCHS=5.5", "takes an int"),
                           ("AUGMENT.degres=1", "takes no key 'degres'"), ("OPTIMIZER=3", "takes a dict"),
                           ("EPOCHS", "has no parameter")):
        with pytest.raises(runner.RunError, match=re.escape(words)) as err:
            apply_settings(5, [setting])
        if "parameter" in words:
            assert "EPOCHS=15; BATCH_SIZE=128" in str(err.value)             # the names and their values
    from s7.core.places import change_name
    assert change_name(5, ["AUGMENT.degrees=15"]) == "S7_Model_5_AUGMENT.degrees-15"


@pytest.mark.parametrize("notebook, settings, changes", [
    (5, ["AUGMENT=None"], {"AUGMENT": None}),                                 # notebook 5's Try it: step 4's recipe
    (6, ["AUGMENT=None"], {"AUGMENT": None}),
    (4, ['AUGMENT={"degrees": 8, "shift": 2}'], {"AUGMENT": {"degrees": 8, "shift": 2}}),   # notebook 4's Try it
    (5, ["AUGMENT.scale=0.1"], {"AUGMENT": {"degrees": 8, "shift": 2, "scale": 0.1}}),      # tuning's SCALE
    (5, ['AUGMENT.interpolation="nearest"', "AUGMENT.degrees=5", "AUGMENT.shift=0.84"],     # a public recipe's
     {"AUGMENT": {"degrees": 5, "shift": 0.84, "interpolation": "nearest"}}),
    (1, ["OPTIMIZER.momentum=0.0"], {"OPTIMIZER": {"lr": 0.01, "momentum": 0.0}}),         # notebook 1's Try it
    (1, ["OPTIMIZER.momentum=0"], {"OPTIMIZER": {"lr": 0.01, "momentum": 0}}),             # an int where a float stands
    (6, ["OPTIMIZER.momentum=0", "OPTIMIZER.nesterov=False"],                               # Nesterov needs momentum
     {"OPTIMIZER": {"lr": 0.1, "momentum": 0, "nesterov": False, "weight_decay": 1e-4}}),
    (6, ["OPTIMIZER.weight_decay=3e-4"], {"OPTIMIZER": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 3e-4}}),
    (6, ["LR_SCHEDULE.max_lr=0.2"], {"LR_SCHEDULE": {"max_lr": 0.2, "pct_start": 0.2, "anneal_strategy": "cos"}}),
    (6, ["LR_SCHEDULE.pct_start=0.3"], {"LR_SCHEDULE": {"max_lr": 0.1, "pct_start": 0.3, "anneal_strategy": "cos"}}),
    (6, ["LR_SCHEDULE.anneal_strategy='linear'"], {"LR_SCHEDULE": {"max_lr": 0.1, "pct_start": 0.2, "anneal_strategy": "linear"}}),
    (6, ["LR_SCHEDULE.div_factor=5", "LR_SCHEDULE.final_div_factor=100"],                  # ints where floats stand
     {"LR_SCHEDULE": {"max_lr": 0.1, "pct_start": 0.2, "anneal_strategy": "cos", "div_factor": 5, "final_div_factor": 100}}),
    (6, ["LR_SCHEDULE.base_momentum=0.8", "LR_SCHEDULE.max_momentum=0.9"],
     {"LR_SCHEDULE": {"max_lr": 0.1, "pct_start": 0.2, "anneal_strategy": "cos", "base_momentum": 0.8, "max_momentum": 0.9}}),
    (6, ['LR_SCHEDULE={"max_lr": 0.01, "div_factor": 1, "final_div_factor": 1, "cycle_momentum": False}'],   # a constant rate
     {"LR_SCHEDULE": {"max_lr": 0.01, "div_factor": 1, "final_div_factor": 1, "cycle_momentum": False}}),
    (6, ["EMA_DECAY=0.999"], {"EMA_DECAY": 0.999}),
    (6, ["EMA_DECAY=0"], {"EMA_DECAY": 0}),                                  # the public recipes: no average
    (4, ["DROPOUT=0.0"], {"DROPOUT": 0.0}),                                  # the ladders' "- dropout"
    (4, ["DROPOUT=0"], {"DROPOUT": 0}),
    (4, ["DROPOUT=0.1"], {"DROPOUT": 0.1}),
    (1, ["EPOCHS=5"], {"EPOCHS": 5}), (6, ["EPOCHS=1"], {"EPOCHS": 1}), (6, ["EPOCHS=20"], {"EPOCHS": 20}),
    (6, ["BATCH_SIZE=128"], {"BATCH_SIZE": 128}), (2, ["BATCH_SIZE=64"], {"BATCH_SIZE": 64}),
])
def test_every_value_the_series_uses_can_be_set(notebook, settings, changes):
    """Each value the series itself gives a parameter (Try it, the ladders, the tuning rounds, the public
    recipes) is taken, an int where a float stands included."""
    assert apply_settings(notebook, settings) == changes


@pytest.mark.parametrize("notebook, setting, words", [
    (1, "EPOCHS=True", "EPOCHS takes an int (now 15), not True"),
    (1, "EPOCHS=None", "EPOCHS takes an int (now 15), not None"),
    (1, "EPOCHS=0", "EPOCHS takes a value from 1 to 100, not 0"),
    (1, "EPOCHS=101", "EPOCHS takes a value from 1 to 100, not 101"),
    (1, "BATCH_SIZE=0", "BATCH_SIZE takes a value 1 or more, not 0"),
    (4, "DROPOUT=1.0", "DROPOUT takes a value from 0 (no dropout) up to, not including, 1, not 1.0"),
    (4, "DROPOUT=True", "DROPOUT takes a float (now 0.05), not True"),
    (6, "EMA_DECAY=1", "EMA_DECAY takes a value from 0 up to, not including, 1"),
    (1, "HOLDOUT=5000", "a validation run has its own option: drop this --set and give --validate"),
    (6, "HOLDOUT=0", "give --validate"),
    (1, "OPTIMIZER.lr='fast'", "OPTIMIZER.lr takes a number (now 0.01), not 'fast': set it to a number, e.g. --set OPTIMIZER.lr=0.01"),
    (1, "OPTIMIZER.momentum=True", "OPTIMIZER.momentum takes a number (now 0.9), not True: set it to a number"),
    (6, "OPTIMIZER.nesterov=0", "OPTIMIZER.nesterov takes True or False (now True), not 0"),
    (1, 'OPTIMIZER={"lr": "fast"}', "OPTIMIZER.lr takes a number (now 0.01), not 'fast'"),     # a whole dict, key by key
    (1, 'OPTIMIZER={"lr": 0.1, "momentun": 0.9}', "OPTIMIZER takes no key 'momentun'"),
    (1, "OPTIMIZER.lr=-1", "torch.optim.SGD refuses OPTIMIZER = {'lr': -1, 'momentum': 0.9} (Invalid learning rate: -1)"),
    (6, "OPTIMIZER.momentum=0.0", "(Nesterov momentum requires a momentum and zero dampening)"),
    (5, "AUGMENT.degrees=None", "AUGMENT.degrees takes a number (now 8), not None: for no augmentation set the whole "
                                "value, --set AUGMENT=None"),
    (5, "AUGMENT.shift='2'", "AUGMENT.shift takes a number (now 2), not '2'"),
    (4, 'AUGMENT={"degrees": 8}', "AUGMENT needs degrees and shift: {'degrees': 8} has no shift"),
    (4, 'AUGMENT={"degres": 8, "shift": 2}', "AUGMENT takes no key 'degres'"),
    (5, "AUGMENT.degrees=-8", "the augmentation refuses AUGMENT = {'degrees': -8, 'shift': 2}"),
    (5, 'AUGMENT.interpolation="foo"', "the augmentation refuses"),
    (6, "LR_SCHEDULE.anneal_strategy='lin'", "LR_SCHEDULE.anneal_strategy takes one of 'cos', 'linear' (now 'cos'), not 'lin'"),
    (6, "LR_SCHEDULE.cycle_momentum=1", "LR_SCHEDULE.cycle_momentum takes True or False, not 1: set it to True or False, "
                                        "e.g. --set LR_SCHEDULE.cycle_momentum=True"),
    (6, "LR_SCHEDULE.pct_start=1.5", "torch's OneCycleLR refuses"),
    (6, "LR_SCHEDULE=None", "for a constant rate keep the schedule and flatten it"),
])
def test_a_value_that_cannot_run_is_refused_in_one_line_that_says_what_to_do(notebook, setting, words):
    with pytest.raises(runner.RunError, match=re.escape(words)) as err:
        apply_settings(notebook, [setting])
    assert str(err.value).startswith(f"--set {setting}: ") and "\n" not in str(err.value)


@pytest.mark.parametrize("setting, words", [
    ("QUICK=True", "has no parameter 'QUICK'"),
    ("SEED=3", "has no parameter 'SEED'"),
])
def test_the_runners_own_options_are_not_set_through_set(setting, words):
    with pytest.raises(runner.RunError, match=re.escape(words)):
        apply_settings(1, [setting])


def test_a_whole_number_is_refused_as_a_boolean_and_a_boolean_as_a_whole_number():
    with pytest.raises(runner.RunError, match="LR_SCHEDULE.last_epoch takes"):
        apply_settings(6, ["LR_SCHEDULE.last_epoch=True"])
