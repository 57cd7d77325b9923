"""Configuration dataclasses ⇄ command-line options, declared once.

A recipe's configuration is a dataclass whose fields carry their default,
their help text and their check (`option(...)`). From it:

- `add_options(parser, Config, ...)` adds one `--flag` per field to an
  `argparse` parser or group (several classes at once: the command line's
  `train translate` shows the date and sentence-pair recipes together, with
  each default);
- `config_from(Config, values)` builds the configuration from what was
  given, naming the option that does not apply or holds a bad value
  (`ConfigError`);
- `parse_config(Config, argv)` does both for a script (the examples).

Field checks raise Keras-style messages in Python ("`epochs` must be a
positive integer. Received: epochs=0") and argparse ones on the command
line ("argument --epochs: must be a positive integer, got '0'"). This module
imports only the standard library.
"""

import argparse
import dataclasses
import re
import types
import typing

from keras_attention.utils import validation

#: Checks an option may name (`option(check=...)`), from utils.validation.
CHECKS = {
    "positive": validation.validate_positive_int,
    "non_negative": validation.validate_non_negative_int,
    "positive_float": validation.validate_positive_float,
    "rate": validation.validate_rate,
}


class ConfigError(ValueError):
    """A configuration value that cannot be used, naming its field.

    `str(error)` is the Python message; `cli_message()` the command line's
    ("argument --data: no such file: 'x.csv'").

    Args:
        field: the configuration field (its option is `--field-name`).
        message: what is wrong, for the command line.
        python_message: the Python message (default: "`field`: message").
        flag: the option on the command line (default: `--field-name`; a
            positional argument's name, e.g. "TEXT").

    Example:

    >>> error = ConfigError("data", "no such file: 'x.csv'")
    >>> error.cli_message()
    "argument --data: no such file: 'x.csv'"
    >>> str(error)
    "`data`: no such file: 'x.csv'"
    """

    def __init__(self, field, message, python_message=None, flag=None):
        self.field = field
        self.message = message
        self.flag = flag or flag_of(field)
        super().__init__(python_message or f"`{field}`: {message}")

    def cli_message(self):
        return f"argument {self.flag}: {self.message}"


def flag_of(field):
    """`"max_pairs"` → `"--max-pairs"`."""
    return "--" + field.replace("_", "-")


def option(default=None, help="", *, check=None, choices=None, metavar=None,
           positional=False, required=False, output=None):
    """A configuration field: its default, help text, check and choices.

    Args:
        default: the default value (a list default is copied per instance).
        help: one line for `--help` (the default is appended to it).
        check: a key of `CHECKS` ("positive", "non_negative",
            "positive_float", "rate"), or None.
        choices: the allowed values, or None.
        metavar: the value's name in `--help`.
        positional: a positional command-line argument (a list field:
            zero or more values).
        required: the option must be given on the command line.
        output: `"dir"` or `"file"` for a path the job writes to (the
            command line checks it can be written before starting).

    Returns:
        A `dataclasses.field`.

    Example:

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Config:
    ...     epochs: int = option(8, "training epochs", check="positive", metavar="N")
    >>> dataclasses.fields(Config)[0].metadata["help"]
    'training epochs'
    """
    if check is not None and check not in CHECKS:
        raise ValueError(f"`check` must be one of {sorted(CHECKS)}. Received: check={check!r}")
    metadata = dict(help=help, check=check, choices=choices, metavar=metavar,
                    positional=positional, required=required, output=output)
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def output_paths(config):
    """`[(field, "dir" | "file", path)]`: the paths a configuration writes to.

    Example:

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Config:
    ...     output_dir: str = option("runs", "where outputs go", output="dir")
    ...     logdir: str | None = option(None, "TensorBoard folder", output="dir")
    >>> output_paths(Config())
    [('output_dir', 'dir', 'runs')]
    """
    return [(f.name, f.metadata["output"], getattr(config, f.name))
            for f in _options(type(config))
            if f.metadata.get("output") and getattr(config, f.name) is not None]


def _base_type(annotation):
    """`int | None` → `int`; `list[str]` → `list`."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    return typing.get_origin(annotation) or annotation


def _options(config_class):
    """The option fields, those of shared groups (`GENERIC_OPTIONS = True`
    in the class that declares them) last."""
    generic = set()
    for klass in config_class.__mro__:
        if klass.__dict__.get("GENERIC_OPTIONS"):
            generic |= set(klass.__dict__.get("__annotations__", {}))
    fields = [f for f in dataclasses.fields(config_class) if "help" in f.metadata]
    return sorted(fields, key=lambda f: f.name in generic)


def check_config(config):
    """Checks every field of a configuration (call it in `__post_init__`).

    Example:

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Config:
    ...     epochs: int = option(8, "training epochs", check="positive")
    ...     def __post_init__(self):
    ...         check_config(self)
    >>> Config(epochs=0)
    Traceback (most recent call last):
    ...
    ValueError: `epochs` must be a positive integer. Received: epochs=0
    """
    for field in _options(type(config)):
        value = getattr(config, field.name)
        if value is None:
            continue
        check, choices = field.metadata["check"], field.metadata["choices"]
        if check is not None:
            setattr(config, field.name, CHECKS[check](field.name, value))
        if choices is not None:
            validation.validate_choice(field.name, value, choices)


def _cli_text(error, text):
    """"`epochs` must be a positive integer. Received: epochs=0" → "must be
    a positive integer, got '0'"."""
    match = re.match(r"^`\w+` (.*?)\. Received: .*$", str(error), re.S)
    problem = match.group(1) if match else str(error)
    return f"{problem}, got {text!r}"


def _argparse_type(field):
    base = _base_type(field.type)
    check = field.metadata["check"]
    if base not in (int, float) and check is None:
        return None

    def parse(text):
        try:
            value = base(text)
        except ValueError:
            value = text
        try:
            if check is not None:
                return CHECKS[check](field.name, value)
            if isinstance(value, str):
                raise ValueError(f"`{field.name}` must be a number. Received: {text!r}")
            return value
        except ValueError as e:
            raise argparse.ArgumentTypeError(_cli_text(e, text)) from None

    parse.__name__ = base.__name__  # argparse's "invalid int value" wording
    return parse


def _default_text(defaults):
    """' (default: X)', or per label when the classes' defaults differ."""
    shown = {label: v for label, v in defaults.items()
             if not (v is None or v is False or v == [])}
    values = list(shown.values())
    if not values or (None in defaults.values() and len(shown) < len(defaults)):
        return ""  # none, or only some classes have one: the help says it
    if all(v == values[0] for v in values):
        return f" (default: {values[0]})"
    parts = [f"{v} {label if label.startswith('with ') else 'for ' + label}"
             for label, v in shown.items()]
    return f" (default: {', '.join(parts)})"


def label_of(config_class):
    return getattr(config_class, "LABEL", config_class.__name__)


def add_options(parser, *config_classes, suppress=True, exclude=(), groups=None):
    """Adds the fields of configuration classes as command-line options.

    A field found in several classes is added once: its help shows each
    class's default when they differ ("(default: 64 with dates, 256 with a
    pairs file)", labels from the classes' `LABEL`), its choices are the
    union, and differing help texts are joined per label.

    Args:
        parser: an `argparse.ArgumentParser` (or argument group).
        *config_classes: configuration dataclasses.
        suppress: leave options that are not given out of the parsed
            namespace (`argparse.SUPPRESS`), so that `config_from` applies
            the defaults of the class it builds. `False`: the first class's
            defaults.
        exclude: field names not to add.
        groups: optional `{label: argument group}`: a field found in one
            class only goes to the group of that class's label.

    Returns:
        The names of the fields added.

    Example:

    >>> import argparse, dataclasses
    >>> @dataclasses.dataclass
    ... class Small:
    ...     LABEL = "small"
    ...     units: int = option(8, "recurrent units", check="positive")
    >>> @dataclasses.dataclass
    ... class Large:
    ...     LABEL = "large"
    ...     units: int = option(64, "recurrent units", check="positive")
    >>> parser = argparse.ArgumentParser()
    >>> add_options(parser, Small, Large)
    ['units']
    >>> parser._actions[-1].help
    'recurrent units (default: 8 for small, 64 for large)'
    >>> vars(parser.parse_args([])), vars(parser.parse_args(["--units", "3"]))
    ({}, {'units': 3})
    """
    by_name = {}
    for config_class in config_classes:
        for field in _options(config_class):
            if field.name not in exclude:
                by_name.setdefault(field.name, []).append((config_class, field))
    for name, entries in by_name.items():
        field = entries[0][1]
        meta = field.metadata
        helps = {label_of(c): f.metadata["help"] for c, f in entries}
        if len(set(helps.values())) == 1:
            text = meta["help"]
        else:
            text = "; ".join(f"{label}: {h}" for label, h in helps.items())
        defaults = {label_of(c): _default_of(f) for c, f in entries}
        choices = None
        if meta["choices"] is not None:
            choices = []
            for _, f in entries:
                choices += [c for c in f.metadata["choices"] if c not in choices]
        target = parser
        if groups is not None and len(entries) == 1 and len(config_classes) > 1:
            target = groups.get(label_of(entries[0][0]), parser)
        kwargs = dict(help=text + _default_text(defaults))
        if suppress:
            kwargs["default"] = argparse.SUPPRESS
        if meta["positional"]:
            target.add_argument(name, nargs="*", metavar=meta["metavar"], **kwargs)
            continue
        if _base_type(field.type) is bool:
            if _default_of(field) is True:
                # On by default: `--name` / `--no-name`.
                if not suppress:
                    kwargs["default"] = True
                target.add_argument(
                    flag_of(name), action=argparse.BooleanOptionalAction, **kwargs)
            else:
                target.add_argument(flag_of(name), action="store_true", **kwargs)
            continue
        if not suppress:
            kwargs["default"] = _default_of(field)
        target.add_argument(
            flag_of(name), type=_argparse_type(field), choices=choices,
            metavar=meta["metavar"], required=meta["required"], **kwargs,
        )
    return list(by_name)


def _default_of(field):
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def given(namespace, config_classes):
    """The configuration values in a parsed namespace, as a dict."""
    names = {f.name for c in config_classes for f in _options(c)}
    return {k: v for k, v in vars(namespace).items() if k in names}


def config_from(config_class, values, others=()):
    """A configuration from given values, with command-line errors.

    Args:
        config_class: the dataclass to build.
        values: `{field: value}` (what the user gave).
        others: the classes whose options were offered alongside (to say
            where an option that `config_class` lacks applies).

    Returns:
        A `config_class` instance.

    Raises:
        ConfigError: a value that `config_class` does not take or refuses,
            naming the option.

    Example:

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Dates:
    ...     SCOPE = "--data dates"
    ...     units: int = option(64, "recurrent units", check="positive")
    ...     def __post_init__(self):
    ...         check_config(self)
    >>> @dataclasses.dataclass
    ... class Pairs:
    ...     SCOPE = "a sentence-pair --data file"
    ...     max_pairs: int = option(None, "pairs read", check="positive")
    >>> config_from(Dates, {"units": 8})
    Dates(units=8)
    >>> try:
    ...     config_from(Dates, {"max_pairs": 5}, others=[Pairs])
    ... except ConfigError as e:
    ...     print(e.cli_message())
    argument --max-pairs: applies to a sentence-pair --data file only
    """
    fields = {f.name for f in _options(config_class)}
    for name in values:
        if name not in fields:
            owners = [(c, f) for c in others for f in _options(c) if f.name == name]
            where = " or ".join(getattr(c, "SCOPE", label_of(c)) for c, _ in owners)
            flag = next((f.metadata["metavar"] for _, f in owners
                         if f.metadata["positional"]), None)
            raise ConfigError(name, f"applies to {where or 'another command'} only",
                              flag=flag)
    try:
        return config_class(**values)
    except ConfigError:
        raise
    except ValueError as e:
        match = re.match(r"^`(\w+)` ", str(e))
        if not match or match.group(1) not in fields:
            raise
        name = match.group(1)
        scope = getattr(config_class, "SCOPE", None)
        text = _cli_text(e, getattr(e, "value", values.get(name)))
        raise ConfigError(name, text + (f" (with {scope})" if scope and others else ""),
                          python_message=str(e)) from None


def parse_config(config_class, argv=None, description=None, prog=None):
    """`config_class` from a command line (`sys.argv[1:]` by default).

    The parser has one option per field (defaults shown by `--help`) and
    `--debug` (accepted; see `keras_attention.utils.startup`). A bad value
    exits with argparse's usage error; abbreviated options are refused.

    Example:

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Config:
    ...     epochs: int = option(8, "training epochs", check="positive")
    ...     no_export: bool = option(False, "skip the export")
    >>> parse_config(Config, ["--epochs", "2", "--no-export"])
    Config(epochs=2, no_export=True)
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=description, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(parser, config_class)
    parser.add_argument("--debug", action="store_true",
                        help="show TensorFlow's start-up logs and full tracebacks")
    args = parser.parse_args(argv)
    try:
        return config_from(config_class, given(args, [config_class]))
    except ConfigError as e:
        parser.error(e.cli_message())
