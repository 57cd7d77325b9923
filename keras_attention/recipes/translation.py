"""Translators: training (dates or sentence pairs), and using a trained one.

- `train(config)`: `dates.train_dates` for a `DatesConfig`,
  `pairs.train_pairs` for a `PairsConfig`;
- `run(model, config)`: translate text (arguments, a file or stdin), one
  line out per line in (`keras-attention translate`);
- `evaluate(model, config)`: exact match, and BLEU for word-level models,
  on the unseen test dates or a sentence-pair file;
- `plot_attention(model, config)`: one attention PNG per text.

The model's family is "translator" (`recipes.families`); these are the
functions its entry names.
"""

import sys
import time
import warnings

from keras_attention.data import detokenize, load_text_pairs, tokenize
from keras_attention.data.text_pairs import count_words
from keras_attention.evaluation import bleu_by_length, corpus_bleu, exact_match
from keras_attention.recipes.common import (
    Result,
    get_log,
    translate_corpus,
    write_lines,
)
from keras_attention.recipes.configs import DatesConfig, PairsConfig
from keras_attention.recipes.options import ConfigError


def train(config, log=print):
    """Trains a translator: the date task or a sentence-pair file.

    Args:
        config: a `DatesConfig` or a `PairsConfig`.
        log: where progress lines go.

    Returns:
        The pipeline's `Result`.
    """
    from keras_attention.recipes import dates, pairs

    if isinstance(config, PairsConfig):
        return pairs.train_pairs(config, log)
    return dates.train_dates(config, log)


def make_sampler(options):
    """The sampler of `DecodingOptions`: "greedy", or a `BeamSampler` with the
    options given (its own defaults for the others).

    Example:

    >>> from keras_attention.recipes.configs import DecodingOptions
    >>> make_sampler(DecodingOptions())
    'greedy'
    >>> make_sampler(DecodingOptions(sampler="beam", beam_width=3)).beam_width
    3
    """
    if options.sampler != "beam":
        return "greedy"
    from keras_attention.models import BeamSampler

    given = {k: getattr(options, k) for k in ("beam_width", "length_penalty")}
    return BeamSampler(**{k: v for k, v in given.items() if v is not None})


# -- reading texts ------------------------------------------------------------------------
def _read_lines(option, path):
    if path == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            raise ConfigError(option, f"no such file: {path!r}") from None
        except IsADirectoryError:
            raise ConfigError(option, f"{path!r} is a folder, not a file") from None
    lines = [line.strip() for line in lines]
    if not any(lines):
        raise ConfigError(option, f"{path!r} holds no text")
    return lines


def read_texts(config, stdin=None):
    """`(lines, from_a_file)`: the TEXT arguments, the `--input` file, or stdin.

    Lines keep their order; blank lines of a file stay (as blank output).
    """
    stdin = sys.stdin if stdin is None else stdin
    if config.text and config.input:
        raise ConfigError("input", "give TEXT arguments or --input, not both")
    if config.text:
        return list(config.text), False
    if config.input:
        return _read_lines("input", config.input), True
    if stdin.isatty():
        raise ConfigError("input", "give TEXT arguments, --input FILE, or text on stdin")
    return _read_lines("input", "-"), True


def check_texts(model, lines, from_a_file):
    """Refuses a text that is empty once normalised, naming where it came from."""
    for i, line in enumerate(lines):
        if from_a_file and not line:
            continue  # a blank line of a file stays a blank line
        if not line.strip() or not tokenize(line, model.tokenization):
            where = (f"line {i + 1} of the input" if from_a_file
                     else f"TEXT argument {i + 1}")
            raise ConfigError(
                "input" if from_a_file else "text",
                f"{where} is empty once normalised ({model.tokenization} tokens): {line!r}",
                flag=None if from_a_file else "TEXT",
            )


def _warn_unknown(model, texts, caught, warn):
    """One warning line for the whole input (the model warns per batch)."""
    if not any("vocabular" in str(w.message).lower() for w in caught):
        return
    warn("warning: " + model.preprocessor.encode_sources(texts, argument="texts").oov_message())


# -- running ------------------------------------------------------------------------------
def run(model, config, log=print, progress=None, warn=None, **_):
    """Translates the texts of a `TranslateConfig`, one output line per line.

    Args:
        model: a `Seq2SeqTranslator`.
        config: a `TranslateConfig` (texts, `--input`, `--output`, decoding).
        log: where the summary line goes.
        progress: `progress(total, unit)` → an object with `update(n)`,
            shown while a file is translated; or None.
        warn: where the out-of-vocabulary warning goes (default: `log`).

    Returns:
        A `Result`: `translations` and `seconds`; `outputs` is
        `[config.output]` (or empty: the translations went to stdout).
    """
    log = get_log(log)
    warn = warn or log
    lines, from_a_file = read_texts(config)
    check_texts(model, lines, from_a_file)
    sampler = make_sampler(config)
    texts = [t for t in lines if t]
    started = time.time()
    bar = progress(len(texts), "sentences") if progress and from_a_file else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        translated = iter(translate_corpus(model, texts, sampler, config.batch_size, bar))
    _warn_unknown(model, texts, caught, warn)
    output = [next(translated) if line else "" for line in lines]
    seconds = time.time() - started
    outputs = write_lines(
        output, config, f"translated {len(texts)} text(s)", seconds, log, warn
    )
    return Result({"translations": output, "seconds": seconds}, outputs)


# -- evaluating -----------------------------------------------------------------------
def evaluation_pairs(config):
    """`(pairs, description)`: what `evaluate` scores."""
    if config.data == "dates":
        from keras_attention.recipes.dates import date_splits

        defaults = DatesConfig()
        test_size = config.limit or defaults.test_size
        sizes = dict(train_size=defaults.train_size, validation_size=defaults.validation_size)
        splits = date_splits(DatesConfig(test_size=test_size, seed=config.seed, **sizes))
        return list(zip(*splits["test"], strict=True)), f"{test_size} unseen test dates"
    if config.split == "test":
        from keras_attention.recipes.pairs import pair_splits

        defaults = PairsConfig(data=config.data)
        pairs = pair_splits(
            config.data, config.direction, config.max_pairs, defaults.max_length,
            defaults.validation_fraction, defaults.test_fraction, config.seed,
        )["test"]
        what = "the test split of the sentence-pair recipe"
    else:
        pairs = load_text_pairs(config.data, max_pairs=config.max_pairs)
        if config.direction == "other-to-eng":
            pairs = [(other, eng) for eng, other in pairs]
        what = "every pair"
    if config.limit:
        pairs = pairs[: config.limit]
    if not pairs:
        raise ConfigError("data", f"no sentence pairs to evaluate in {config.data!r}")
    return pairs, f"{what} of {config.data} ({len(pairs)} pairs)"


def evaluate(model, config, log=print, progress=None, **_):
    """Exact match (and BLEU for word-level models) of a translator.

    Args:
        model: a `Seq2SeqTranslator`.
        config: an `EvaluateTranslatorConfig`.
        log: where the report goes.
        progress: as in `run`.

    Returns:
        A `Result` whose metrics are the evaluation record (JSON-able).
    """
    log = get_log(log)
    sampler = make_sampler(config)
    pairs, what = evaluation_pairs(config)
    sources = [s for s, _ in pairs]
    references = [t for _, t in pairs]
    if model.tokenization == "word":
        # Hypotheses are normalised text (lowercase, no accents): so are the references.
        references = [detokenize(tokenize(t, "word"), "word") for t in references]
    log(f"Evaluating on {what}, {config.sampler} search")
    started = time.time()
    bar = progress(len(sources), "sentences") if progress else None
    hypotheses = translate_corpus(model, sources, sampler, config.batch_size, bar)
    results = {
        "data": config.data,
        "examples": len(pairs),
        "sampler": config.sampler,
        "beam_width": getattr(sampler, "beam_width", None),
        "exact_match": exact_match(hypotheses, references),
        "decode_seconds": round(time.time() - started, 1),
    }
    log(f"Exact match: {results['exact_match']:.2%} "
        f"({round(results['exact_match'] * len(pairs))}/{len(pairs)})")
    if model.tokenization == "word":
        try:
            results["bleu"] = corpus_bleu(hypotheses, references)
            results["bleu_by_length"] = bleu_by_length(
                [count_words(s) for s in sources], hypotheses, references)
        except ImportError as e:
            log(f"BLEU skipped: {e}")
        else:
            log(f"BLEU: {results['bleu']:.2f}")
            for row in results["bleu_by_length"]:
                bleu = "-" if row["bleu"] is None else f"{row['bleu']:.2f}"
                log(f"  {row['bucket']:>6} words: BLEU {bleu:>6} (n={row['count']})")
    errors = [(s, h, r) for s, h, r in zip(sources, hypotheses, references, strict=True)
              if h.strip() != r.strip()]
    results["errors"] = [{"source": s, "hypothesis": h, "reference": r}
                         for s, h, r in errors[:20]]
    for s, h, r in errors[:5]:
        log(f"  {s!r} -> {h!r} (expected {r!r})")
    return Result(results)


# -- attention ------------------------------------------------------------------------------
def plot_attention(model, config, log=print, **_):
    """One attention PNG per text of a `PlotTranslatorConfig`.

    Returns:
        A `Result` listing the PNGs (`x.png`, or `x_1.png`, `x_2.png` ...).
    """
    log = get_log(log)
    lines, from_a_file = read_texts(config)
    texts = [t for t in lines if t]
    check_texts(model, texts, False)
    import keras_attention.plotting as plotting

    maps = model.attention_maps(texts, sampler=make_sampler(config))
    output = str(config.output)
    paths = []
    for i, attention_map in enumerate(maps):
        path = output if len(texts) == 1 else f"{output[:-4]}_{i + 1}.png"
        plotting.save_attention_map(attention_map, path)
        rows, columns = attention_map["weights"].shape
        log(f"{attention_map['title']}: {rows} output x {columns} source tokens")
        paths.append(path)
    return Result({"texts": len(texts)}, paths)
