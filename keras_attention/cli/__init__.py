"""`keras-attention`: train, run, evaluate, export and tune models from a shell.

```
keras-attention train translate          # the date translator (the README main job)
keras-attention translate "3 mar. 1998"  # -> 1998-03-03
keras-attention evaluate                 # exact match on 2,000 unseen dates
keras-attention export                   # SavedModel + .tflite, verified
keras-attention plot-attention "Tuesday, 3 March 1998"
keras-attention train forecast           # the embedded time series
keras-attention forecast --model runs/forecast/model.keras --input series.csv
keras-attention tune forecast --max-trials 4
```

The commands call the package: the pipelines of `keras_attention.recipes`
(the same functions as the example scripts) and the family registry
`recipes.families`, which says what each kind of model does. One module per
command (`train`, `tune`, `run` for `translate` / `forecast`, `evaluate`,
`export`, `plot_attention`) and `common`. Building the parser and
`--help` import neither Keras nor TensorFlow; a command imports them when it
starts its work, without TensorFlow's start-up lines (`--debug` shows them).

Errors are reported as one line, `keras-attention: error: ...`, with exit
status 1 (2 for a bad command line); `--debug` shows the traceback instead.
See docs/cli.md.
"""

import sys

from keras_attention.cli import evaluate, export, plot_attention, run, train, tune
from keras_attention.cli.common import PROG, CLIError, Parser, UsageError, one_line
from keras_attention.recipes.options import ConfigError

__all__ = ["CLIError", "UsageError", "build_parser", "main", "version"]


def version():
    """The package version (read without importing Keras).

    Example:

    >>> version() == __import__("keras_attention.version").version.__version__
    True
    """
    from keras_attention.version import __version__

    return __version__


def build_parser():
    """The argument parser of every command (no Keras, no TensorFlow).

    Example:

    >>> args = build_parser().parse_args(["translate", "--sampler", "beam", "3 mar. 1998"])
    >>> args.text, args.sampler, args.model
    (['3 mar. 1998'], 'beam', 'saved_models/date_translator.keras')
    """
    parser = Parser(
        prog=PROG,
        description=(
            "Attention RNN models for Keras 3 from the command line: train, translate,\n"
            "forecast, evaluate, export, tune and plot attention."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention train translate            # train the date translator\n"
            '  keras-attention translate "3 mar. 1998"    # -> 1998-03-03\n'
            "  keras-attention evaluate                   # exact match on unseen dates\n"
            "  keras-attention export                     # SavedModel + .tflite, verified\n"
            "  keras-attention train forecast             # the embedded time series\n"
            "  keras-attention tune forecast --max-trials 4\n"
            "\n"
            "'keras-attention COMMAND --help' shows each command's options; docs/cli.md\n"
            "has more."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show TensorFlow's start-up logs and the full traceback of an "
                        "error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    train.add_parser(sub)
    run.add_parsers(sub)
    evaluate.add_parser(sub)
    export.add_parser(sub)
    tune.add_parser(sub)
    plot_attention.add_parser(sub)
    return parser


def main(argv=None):
    """Runs the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        debug = debug or getattr(args, "debug", False)
        return args.func(args) or 0
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:  # --help, --version
        if debug and e.code not in (None, 0):
            raise
        if isinstance(e.code, str):
            print(f"{PROG}: error: {e.code}", file=sys.stderr)
            return 1
        return e.code or 0
    except Exception as e:
        if debug:
            raise
        print(f"{PROG}: error: {one_line(e)}", file=sys.stderr)
        return 1 if isinstance(e, ConfigError) else getattr(e, "status", 1)


if __name__ == "__main__":
    sys.exit(main())
