"""What every command shares: errors, the parser, output checks and listing.

Imports neither Keras nor TensorFlow: `start()` imports them (quietly) when
a command begins its work.
"""

import argparse
import os
import sys

from keras_attention.recipes.options import (
    ConfigError,
    add_options,
    config_from,
    flag_of,
    given,
    output_paths,
)

PROG = "keras-attention"


class CLIError(Exception):
    """An error shown as one line; exit status 1."""

    status = 1


class UsageError(CLIError):
    """A bad command line; exit status 2."""

    status = 2


class Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose errors are `UsageError`s (one line)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def one_line(exc):
    """An exception as one line of text."""
    if isinstance(exc, ConfigError):
        return exc.cli_message()
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and exc.args:
        text = f"missing key {exc.args[0]!r}"
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def add_debug(parser):
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show TensorFlow's start-up logs and the full traceback of an error",
    )


def epilog(*jobs):
    """'Examples:' and the outputs note of one or more `Job`s."""
    lines = [line for job in jobs for line in job.examples]
    text = "Examples:\n" + "\n".join(f"  {line}" for line in lines)
    notes = [job.outputs for job in jobs if job.outputs]
    return text + ("\n\n" + "\n".join(notes) if notes else "")


def add_config_options(parser, job, title=None, **kwargs):
    """The options of a job's configuration classes (one group per class
    for the options only one class has, when there are several)."""
    groups = None
    if len(job.configs) > 1:
        groups = {c.LABEL: parser.add_argument_group(f"{getattr(c, 'SCOPE', c.LABEL)} only")
                  for c in job.configs}
    target = parser.add_argument_group(title) if title else parser
    return add_options(target, *job.configs, groups=groups, **kwargs)


def make_config(job, args, offered=None):
    """The configuration of `job` from the parsed options.

    `offered`: every configuration class whose options the parser had (to
    say which family an option belongs to); default `job.configs`.
    """
    offered = list(offered or job.configs)
    values = given(args, offered)
    try:
        config = config_from(job.config_class(values), values, others=offered)
    except ConfigError as e:
        raise UsageError(e.cli_message()) from None
    check_outputs(config)
    return config


# -- outputs --------------------------------------------------------------------------------
def _nearest_existing(path):
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def check_writable(option, path, kind):
    """Fails at once, naming the option and the path, if the command could
    not write `path` (`kind`: "dir" or "file"). Creates nothing.

    Example:

    >>> check_writable("--output-dir", "runs/new", "dir")  # a folder to create: fine
    >>> open("notes.txt", "w").close()
    >>> check_writable("--output-dir", "notes.txt/runs", "dir")
    Traceback (most recent call last):
    ...
    keras_attention.cli.common.CLIError: argument --output-dir: cannot write to 'notes.txt/runs': 'notes.txt' is a file, not a folder
    """
    path = os.fspath(path)
    if kind == "file" and os.path.isdir(path):
        raise CLIError(f"argument {option}: cannot write to {path!r}: it is a folder")
    if kind == "dir" and os.path.exists(path) and not os.path.isdir(path):
        raise CLIError(f"argument {option}: cannot write to {path!r}: it is a file, not a folder")
    folder = path if kind == "dir" else (os.path.dirname(path) or ".")
    existing = _nearest_existing(folder)
    shown = os.path.relpath(existing) if not os.path.isabs(path) else existing
    if not os.path.isdir(existing):
        raise CLIError(
            f"argument {option}: cannot write to {path!r}: {shown!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CLIError(f"argument {option}: cannot write to {path!r}: no permission to "
                       f"write in {shown!r}")
    if kind == "file" and os.path.exists(path) and not os.access(path, os.W_OK):
        raise CLIError(f"argument {option}: cannot write to {path!r}: permission denied")


def check_outputs(config):
    """`check_writable` for every output path of a configuration."""
    for name, kind, path in output_paths(config):
        check_writable(flag_of(name), path, kind)


def print_outputs(paths, stream=None):
    """The last lines of every command: where its outputs went."""
    stream = stream or sys.stdout
    paths = [os.fspath(p) for p in paths if p is not None and os.path.exists(p)]
    if not paths:
        print("Outputs: none written", file=stream)
        return
    print("Outputs:", file=stream)
    for path in paths:
        print(f"  {path}{os.sep if os.path.isdir(path) else ''}", file=stream)


def warn(message):
    """One line on stderr, prefixed with the program name."""
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


# -- work -------------------------------------------------------------------------------------
def start(args):
    """Imports TensorFlow and Keras, quietly unless `--debug`."""
    from keras_attention.utils.startup import quiet_tensorflow

    quiet_tensorflow(debug=getattr(args, "debug", False))


def load_model(path, family=None, option="--model"):
    """A keras_attention model from a `.keras` file, with one-line errors."""
    if path is None or not os.path.exists(path):
        raise CLIError(f"argument {option}: no such model file: {path!r}")
    if os.path.isdir(path):
        raise CLIError(f"argument {option}: {path!r} is a folder, not a model file")
    from keras_attention.models import load_model as load

    try:
        return load(path, family=family)
    except ValueError as e:
        raise CLIError(f"argument {option}: {one_line(e)}") from e


def progress(total, unit):
    from keras_attention.recipes.common import Progress

    return Progress(total, unit, prefix=PROG)


# -- train and tune: one sub-command per family -------------------------------------------------
def add_pipeline_command(sub, command, job_name, help, description):
    """`keras-attention COMMAND TASK`: one sub-command per family, whose
    options are its job's configuration fields."""
    from keras_attention.recipes.families import FAMILIES

    p = sub.add_parser(command, help=help, description=description)
    tasks = p.add_subparsers(dest="task", metavar="{" + ",".join(
        f.task for f in FAMILIES.values()) + "}", required=True)
    for family in FAMILIES.values():
        job = getattr(family, job_name)
        q = tasks.add_parser(family.task, help=job.help, description=job.description,
                             epilog=epilog(job))
        q.set_defaults(func=run_pipeline, job=job)
        add_config_options(q, job)
        add_debug(q)
    add_debug(p)
    return p


def run_pipeline(args):
    """Builds the configuration, checks its outputs, runs the recipe and
    lists what it wrote."""
    config = make_config(args.job, args)
    start(args)
    result = args.job.call(config, log=print)
    print_outputs(result.outputs)
    return 0


# -- evaluate, plot-attention: one command for every family ------------------------------------
def add_model_command(sub, name, job_name, help, intro):
    """`keras-attention NAME --model PATH`: for any model, whose family's
    `job_name` job does the work; the options of every family's job."""
    from keras_attention.recipes.families import FAMILIES

    jobs = [getattr(f, job_name) for f in FAMILIES.values()]
    default = next(iter(FAMILIES.values())).default_model
    p = sub.add_parser(name, help=help, epilog=epilog(*jobs),
                       description="\n\n".join([intro, *(j.description for j in jobs)]))
    p.set_defaults(job_name=job_name)
    p.add_argument("--model", default=default, metavar="PATH.keras",
                   help=f"any keras_attention model (default: {default})")
    add_options(p, *[c for j in jobs for c in j.configs])
    add_debug(p)
    return p


def run_model_job(args):
    """Loads `--model`, builds its family's job configuration, runs the job.

    Returns:
        The job's `Result`.
    """
    from keras_attention.recipes.families import FAMILIES, family_of

    start(args)
    model = load_model(args.model)
    job = getattr(family_of(model), args.job_name)
    offered = [c for f in FAMILIES.values() for c in getattr(f, args.job_name).configs]
    config = make_config(job, args, offered)
    return job.call(model, config, model_path=args.model, log=print, progress=progress)
