"""The KerasTuner search space of `Seq2SeqTranslator`."""

from keras_attention.data import text_utils
from keras_attention.data.vocabulary import Vocabulary
from keras_attention.models.seq2seq_translator import Seq2SeqTranslator
from keras_attention.tuners import search_utils

#: Luong scores searched ("location" needs a maximum source length, which a
#: translator does not fix).
LUONG_SCORE_MODES = ("general", "dot", "scaled_dot", "concat")


class HyperSeq2SeqTranslator(search_utils.TaskHyperModel):
    """KerasTuner search space over `Seq2SeqTranslator` architectures.

    The constructor fixes the problem (vocabularies or their sizes,
    tokenization, seed); `build(hp)` draws an architecture and returns a
    compiled, built `Seq2SeqTranslator` (built, so that Hyperband and
    `get_best_models()` can load checkpoints into it). The network itself is
    always the builder's: this class only chooses its arguments.

    Hyperparameters (the default of each reproduces the builder's default
    model, `Seq2SeqTranslator(source_vocabulary_size, target_vocabulary_size)`
    compiled with its default `compile()`):

    | name | values | default | active when |
    |---|---|---|---|
    | `embedding_dim` | 16, 32, 64, 128 | 64 | always |
    | `units` | 32, 64, 128, 256 | 128 | always |
    | `encoder` | gru, lstm, simple | gru | always |
    | `num_encoder_layers` | 1–3 | 1 | always |
    | `dropout` | 0.0–0.5, step 0.1 | 0.0 | always |
    | `attention` | bahdanau, luong, none | bahdanau | always |
    | `use_attention_bias` | bool | True | attention = bahdanau |
    | `bidirectional` | bool | False | attention = bahdanau / none |
    | `score_mode` | general, dot, scaled_dot, concat | general | attention = luong |
    | `window_mode` | global, local_m, local_p | global | attention = luong |
    | `window` | 1–10 | 5 | window_mode = local_m / local_p |
    | `learning_rate` | 1e-4–1e-2, log | 1e-3 | always |
    | `batch_size` | `batch_sizes` | 32 | `fit()` with unbatched arrays |
    | `epochs` | `epochs` range | its max | `fit()`, if `epochs` is set and the tuner is not Hyperband |

    Luong models keep a unidirectional encoder, as in Luong et al. (2015):
    `"dot"` and `"scaled_dot"` need the decoder state and the memory to have
    the same size, which a bidirectional encoder (memory twice as wide)
    breaks, and KerasTuner's conditions cannot express "luong with score
    general or concat, or another attention" for one hyperparameter.
    Bahdanau models search it, as Bahdanau et al. (2015) used one.

    To search a smaller space, pass the tuner a `keras_tuner.HyperParameters`
    with `Fixed` / narrower entries of the same names (KerasTuner's
    `hyperparameters=` argument).

    Args:
        source_vocabulary_size: integer, or `None` to take the length of
            `source_vocabulary`.
        target_vocabulary_size: integer, or `None` (see above).
        source_vocabulary, target_vocabulary: optional token lists or
            `keras_attention.data.Vocabulary`, stored in every model's config
            (so that the best model can `translate()` text).
        tokenization: `"word"` or `"char"`, passed to the models.
        seed: integer seed passed to the models (dropout).
        batch_sizes: batch sizes searched by `fit()`, or `None` to leave the
            batch size to `search()`.
        epochs: `(min_epochs, max_epochs)` to search the number of epochs in
            `fit()` (default `max_epochs`), or `None` (default) to use
            `search(epochs=...)`. Ignored by Hyperband, which schedules
            epochs itself.
        name: optional name of the HyperModel.
        tunable: whether its hyperparameters are added to the search space
            (KerasTuner's `HyperModel` argument).

    Example:

    >>> import keras_tuner
    >>> from keras_attention.tuners import HyperSeq2SeqTranslator
    >>> hypermodel = HyperSeq2SeqTranslator(40, 30)
    >>> model = hypermodel.build(keras_tuner.HyperParameters())  # defaults
    >>> model.attention, model.units
    ('bahdanau', 128)

    The example of `fit` runs a (tiny) search.
    """

    def __init__(
        self, source_vocabulary_size=None, target_vocabulary_size=None,
        source_vocabulary=None, target_vocabulary=None, tokenization="word", seed=None,
        batch_sizes=search_utils.DEFAULT_BATCH_SIZES, epochs=None, name=None, tunable=True,
    ):
        if isinstance(source_vocabulary, Vocabulary):
            source_vocabulary = source_vocabulary.tokens
        if isinstance(target_vocabulary, Vocabulary):
            target_vocabulary = target_vocabulary.tokens
        self.tokenization = text_utils.validate_tokenization(tokenization)
        problem = {
            "source_vocabulary_size": source_vocabulary_size,
            "target_vocabulary_size": target_vocabulary_size,
            "source_vocabulary": source_vocabulary, "target_vocabulary": target_vocabulary,
            "tokenization": tokenization, "seed": seed,
        }
        super().__init__(Seq2SeqTranslator, problem, batch_sizes, epochs, name, tunable)

    def derived_problem(self, model):
        """The sizes taken from the vocabularies, when only those were given."""
        return {"source_vocabulary_size": model.source_vocabulary_size,
                "target_vocabulary_size": model.target_vocabulary_size}

    def model_kwargs(self, hp):
        """The builder's arguments for `hp` (searched ones only).

        Registers the hyperparameters in `hp` as a side effect, like
        `build(hp)`, without creating a model.
        """
        kwargs = {
            "embedding_dim": hp.Choice("embedding_dim", [16, 32, 64, 128], default=64),
            "units": hp.Choice("units", [32, 64, 128, 256], default=128),
            "encoder": hp.Choice("encoder", ["gru", "lstm", "simple"], default="gru"),
            "num_encoder_layers": hp.Int("num_encoder_layers", 1, 3, default=1),
            "dropout": search_utils.dropout(hp),
        }
        attention = hp.Choice(
            "attention", ["bahdanau", "luong", "none"], default="bahdanau"
        )
        kwargs["attention"] = attention
        with hp.conditional_scope("attention", ["bahdanau"]):
            use_bias = hp.Boolean("use_attention_bias", default=True)
            if attention == "bahdanau":
                kwargs["use_attention_bias"] = use_bias
        with hp.conditional_scope("attention", ["bahdanau", "none"]):
            bidirectional = hp.Boolean("bidirectional", default=False)
            if attention != "luong":
                kwargs["bidirectional"] = bidirectional
        with hp.conditional_scope("attention", ["luong"]):
            score_mode = hp.Choice(
                "score_mode", list(LUONG_SCORE_MODES), default="general"
            )
            window_mode = hp.Choice(
                "window_mode", ["global", "local_m", "local_p"], default="global"
            )
            with hp.conditional_scope("window_mode", ["local_m", "local_p"]):
                window = hp.Int("window", 1, 10, default=5)
            if attention == "luong":
                kwargs["score_mode"] = score_mode
                kwargs["window_mode"] = window_mode
                if window_mode != "global":
                    kwargs["window"] = window
        return kwargs

    def build(self, hp):
        """Builds, compiles and builds the weights of one translator."""
        model = self.new_model(hp)
        lr = search_utils.learning_rate(hp)
        # The builder's compile() defaults (masked loss and accuracy, Adam
        # with gradient clipping), with the searched learning rate.
        model.compile()
        model.compile(optimizer=search_utils.with_learning_rate(model.optimizer, lr))
        if not model.built:  # compile() builds the translator; make sure.
            model.build()
        return model

    def fit(self, hp, model, *args, **kwargs):
        """`model.fit` with the searched batch size (and number of epochs).

        `tuner.search(...)` calls it with the arguments it was given, for
        every trial.

        Example:

        A search (one tiny trial here; the space narrowed with fixed values):

        >>> import keras_tuner
        >>> import numpy as np
        >>> from keras_attention.tuners import HyperSeq2SeqTranslator
        >>> hypermodel = HyperSeq2SeqTranslator(40, 30)
        >>> hp = keras_tuner.HyperParameters()
        >>> hp.Fixed("units", 32)
        32
        >>> hp.Fixed("embedding_dim", 16)
        16
        >>> tuner = keras_tuner.RandomSearch(
        ...     hypermodel, objective="loss", max_trials=1, hyperparameters=hp,
        ...     directory="runs/tuning", project_name="demo")
        >>> x = {"source_ids": np.random.randint(4, 40, (16, 6)),
        ...      "target_ids": np.random.randint(4, 30, (16, 5))}
        >>> y = np.random.randint(4, 30, (16, 5))
        >>> tuner.search(x, y, epochs=1, verbose=0)  # and validation_data=...
        >>> best = tuner.get_best_hyperparameters(1)[0]
        >>> best.get("units"), best.get("embedding_dim")
        (32, 16)
        """
        return super().fit(hp, model, *args, **kwargs)
