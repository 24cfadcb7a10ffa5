"""The --set language of python -m scripts.run: NAME=VALUE (or NAME.key=VALUE inside a dict), checked
against the notebook's parameters cell before anything trains, each refusal one line that says what to do."""
from __future__ import annotations

import ast

from s7.studies.notebooks import notebook_parameters
from s7.studies.recipe import VALIDATION_HOLDOUT


class RunError(Exception):
    """A one-line error for the user."""


FIXED = ("NOTEBOOK", "OUT_DIR", "DATA_ROOT", "SEED", "QUICK")     # the run's mechanics: the runner's own options


NONE_MEANS_OFF = ("AUGMENT",)                                     # None is a value these take (no augmentation)


BY_OPTION = {                                                     # parameters a run sets through an option of its own
    "HOLDOUT": f"a validation run has its own option: drop this --set and give --validate, which holds out "
               f"the last {VALIDATION_HOLDOUT:,} training images and evaluates on them (results in <out>/validation/)"}


LIMITS = {                                                        # the values a number can take and still train
    "EPOCHS": (lambda v: 1 <= v <= 100, "from 1 to 100"),
    "BATCH_SIZE": (lambda v: v >= 1, "1 or more"),
    "DROPOUT": (lambda v: 0 <= v < 1, "from 0 (no dropout) up to, not including, 1"),
    "EMA_DECAY": (lambda v: 0 <= v < 1, "from 0 up to, not including, 1 (at 1 the average never leaves the initial weights)")}


INSTEAD_OF_NONE = {                                               # what to do where None cannot work
    "LR_SCHEDULE": "notebook 6's cells build OneCycleLR from it; for a constant rate keep the schedule and flatten "
                   "it: --set 'LR_SCHEDULE={\"max_lr\": 0.01, \"div_factor\": 1, \"final_div_factor\": 1, "
                   "\"cycle_momentum\": False}' trains at max_lr throughout"}


def dict_target(name: str):
    """What the notebooks pass a dict parameter to, and the arguments their cells give it themselves."""
    import torch

    from s7.core.augment import random_affine
    return {"OPTIMIZER": (torch.optim.SGD, {"params"}),
            "LR_SCHEDULE": (torch.optim.lr_scheduler.OneCycleLR, {"optimizer", "epochs", "steps_per_epoch", "total_steps"}),
            "AUGMENT": (random_affine, {"x", "generator"})}.get(name)


def dict_keys(name: str) -> dict:
    """The keys a dict parameter may hold (the arguments of what the notebooks pass it to), each with the
    type it takes: the argument's annotation, else its default's type (a number for any number), else None (any)."""
    import inspect
    import typing
    found = dict_target(name)
    if found is None:
        return {}
    target, given = found
    try:
        hints = typing.get_type_hints(target.__init__ if isinstance(target, type) else target)
    except Exception:                                  # an annotation this Python cannot resolve: the defaults
        hints = {}
    keys = {}
    for p in inspect.signature(target).parameters.values():
        if p.name in given or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = p.default
        keys[p.name] = hints.get(p.name, float if isinstance(default, (int, float)) and not isinstance(default, bool)
                                 else None if default in (p.empty, None) else type(default))
    return keys


def known_keys(name: str) -> set[str]:
    """The keys a dict parameter may hold: the arguments of what the notebooks pass it to."""
    return set(dict_keys(name))


def required_keys(name: str) -> set[str]:
    """The keys a dict parameter must hold: the arguments without a default that the cells do not give."""
    import inspect
    found = dict_target(name)
    if found is None:
        return set()
    target, given = found
    return {p.name for p in inspect.signature(target).parameters.values()
            if p.default is p.empty and p.name not in given and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def takes(hint, value) -> bool:
    """Whether a literal value is of the type a hint names (an int where a float stands; no bool for a number)."""
    import types
    import typing
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is None or hint is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(takes(a, value) for a in args)
    if origin is typing.Literal:
        return any(value == a and type(value) is type(a) for a in args)
    if origin in (list, tuple) or hint in (list, tuple):
        return isinstance(value, (list, tuple)) and all(takes(args[0], v) for v in value) if args else isinstance(value, (list, tuple))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def type_words(hint) -> str:
    """A hint in words: 'a number', 'True or False', "one of 'cos', 'linear'"."""
    import types
    import typing
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        said = [type_words(a) for a in args if a in (bool, int, float, str, type(None)) or typing.get_origin(a)]
        return " or ".join(dict.fromkeys(said))
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin in (list, tuple) or hint in (list, tuple):
        return "a list"
    return {type(None): "None", bool: "True or False", float: "a number", int: "a whole number",
            str: "a string in quotes"}.get(hint, f"a {getattr(hint, '__name__', hint)}")


def dict_problem(name: str, value: dict, current) -> str | None:
    """What is wrong with a dict parameter's new value, in words that say what to do; None if nothing."""
    keys, cell = dict_keys(name), current if isinstance(current, dict) else {}
    unknown = [k for k in value if k not in keys and k not in cell]
    if unknown:
        return f"{name} takes no key {unknown[0]!r}; it may hold {', '.join(sorted(keys))}"
    missing = sorted(required_keys(name) - set(value))
    if missing:
        return (f"{name} needs {' and '.join(sorted(required_keys(name)))}: {value!r} has no {', '.join(missing)}"
                f"{'; for no augmentation set --set AUGMENT=None' if name in NONE_MEANS_OFF else ''}")
    for key, v in value.items():
        hint = keys.get(key)
        if takes(hint, v):
            continue
        now = f" (now {cell[key]!r})" if key in cell else ""
        if v is None and name in NONE_MEANS_OFF:
            return f"{name}.{key} takes {type_words(hint)}{now}, not None: for no augmentation set the whole value, --set {name}=None"
        example = cell[key] if key in cell else dict_example(name, key)
        return (f"{name}.{key} takes {type_words(hint)}{now}, not {v!r}: set it to {type_words(hint)}"
                + (f", e.g. --set {name}.{key}={example!r}" if example is not None else ""))
    return None


def dict_example(name: str, key: str):
    """A value a dict parameter's key takes: its default, or the first of its choices."""
    import inspect
    import typing
    target, _ = dict_target(name)
    param = inspect.signature(target).parameters.get(key)
    default = param.default if param is not None else None
    if default not in (inspect.Parameter.empty, None):
        return default
    args = typing.get_args(dict_keys(name).get(key))
    return args[0] if args and isinstance(args[0], (str, int, float)) else None


def one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def recipe_problem(recipe: dict) -> str | None:
    """What torch says of a notebook's optimizer, schedule and augmentation, built as its cells build them
    (SGD from OPTIMIZER, OneCycleLR from LR_SCHEDULE and EPOCHS, the augmentation and its torchvision
    twin from AUGMENT), before any training; None when they build."""
    import torch

    from s7.core.augment import random_affine
    from s7.core.pil_loader import torchvision_augment
    refused = (TypeError, ValueError, RuntimeError, KeyError)
    try:
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], **recipe["OPTIMIZER"])
    except refused as err:
        return f"torch.optim.SGD refuses OPTIMIZER = {recipe['OPTIMIZER']!r} ({one_line(err)})"
    if recipe.get("LR_SCHEDULE") is not None:
        try:
            torch.optim.lr_scheduler.OneCycleLR(optimizer, **recipe["LR_SCHEDULE"], epochs=recipe["EPOCHS"], steps_per_epoch=1)
        except refused as err:
            return f"torch's OneCycleLR refuses LR_SCHEDULE = {recipe['LR_SCHEDULE']!r} ({one_line(err)})"
    if recipe.get("AUGMENT"):
        try:
            random_affine(torch.zeros(2, 1, 28, 28), generator=torch.Generator().manual_seed(0), **recipe["AUGMENT"])
            torchvision_augment(recipe["AUGMENT"])
        except refused as err:
            return f"the augmentation refuses AUGMENT = {recipe['AUGMENT']!r} ({one_line(err)})"
    return None


def settable(notebook: int) -> dict:
    """The parameters a change may set: every literal value of the parameters cell but the run's mechanics."""
    values = notebook_parameters(notebook)
    out = {}
    for name, value in values.items():
        try:
            if name.isupper() and name not in FIXED and ast.literal_eval(repr(value)) == value:
                out[name] = value
        except (ValueError, SyntaxError):
            continue
    return out


def listing(values: dict) -> str:
    return "; ".join(f"{k}={v!r}" for k, v in values.items())


def apply_settings(notebook: int, settings: list[str]) -> dict:
    """The parameters that `--set NAME=VALUE` (a Python literal; NAME.key for one key of a dict) changes,
    each with its whole new value. Refused before any training, each in one line that says what to do: a
    name the cell does not have, one the runner sets through an option of its own (HOLDOUT: --validate), a
    value that is not a literal of the right type (within a dict too, key by key), a number out of the
    range that trains, or a recipe torch will not build (SGD, OneCycleLR, the augmentation)."""
    values = settable(notebook)
    changed: dict = {}
    for setting in settings:
        name, eq, text = setting.partition("=")
        name, text = name.strip(), text.strip()
        top, _, key = name.partition(".")
        if not eq or top not in values:
            raise RunError(f"--set {setting}: notebook {notebook} has no parameter {top or setting!r} to set; "
                           f"its parameters: {listing(values)}")
        if top in BY_OPTION:
            raise RunError(f"--set {setting}: {BY_OPTION[top]}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise RunError(f"--set {setting}: {text!r} is not a Python literal (a number, a string in quotes, "
                           f"True/False/None, a list or a dict); {top} is now {values[top]!r}") from None
        current = changed.get(top, values[top])
        if key:
            if not isinstance(current, dict):
                raise RunError(f"--set {setting}: {top} is {current!r}, not a dict: set the whole value, "
                               f"e.g. --set {top}=...")
            if key not in current and key not in known_keys(top):
                raise RunError(f"--set {setting}: {top} takes no key {key!r}; it holds {', '.join(current)}"
                               + (f" and may take {', '.join(sorted(known_keys(top) - set(current)))}"
                                  if known_keys(top) - set(current) else ""))
            value = {**current, key: value}
        if not fits(top, current, value):
            kind = type(values[top]).__name__
            raise RunError(f"--set {setting}: {top} takes {'an' if kind[0] in 'aeiou' else 'a'} {kind} "
                           f"(now {values[top]!r}), not {value!r}"
                           + (f": {INSTEAD_OF_NONE[top]}" if value is None and top in INSTEAD_OF_NONE else ""))
        problem = (dict_problem(top, value, values[top]) if isinstance(value, dict)
                   else f"{top} takes a value {LIMITS[top][1]}, not {value!r}" if top in LIMITS and not LIMITS[top][0](value)
                   else None)
        if problem:
            raise RunError(f"--set {setting}: {problem}")
        changed[top] = value
    problem = recipe_problem({**values, **changed}) if changed else None
    if problem:
        raise RunError(f"--set {' --set '.join(settings)}: {problem}: change the setting so that it builds")
    return {k: v for k, v in changed.items() if v != values[k]}


def fits(name: str, current, value) -> bool:
    """Whether a new value has the type of the current one (an int where a float stands; None where off means None)."""
    if value is None:
        return name in NONE_MEANS_OFF or current is None
    if current is None:
        return name in NONE_MEANS_OFF and isinstance(value, dict)
    if isinstance(current, bool) or isinstance(value, bool):
        return isinstance(current, bool) and isinstance(value, bool)
    if isinstance(current, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(current))
