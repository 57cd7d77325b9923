"""SavedModel export with id-level decode endpoints and a string endpoint."""

import contextlib
import os
import shutil
import tempfile

import keras
import tensorflow as tf

import keras_attention.io_utils as io_utils
from keras_attention.export import endpoints, metadata
from keras_attention.export.text_graph import TextGraph

STRING_SAMPLERS = ("greedy", "beam")


def build_archive(
    model,
    batch_size=None,
    options=None,
    endpoint_names=None,
    string_endpoint=False,
    string_sampler="greedy",
):
    """A `keras.export.ExportArchive` with the model's endpoints.

    Returns:
        `(archive, signatures, outputs)`: the archive, `{endpoint: specs}`
        and `{endpoint: [output names]}` of the registered endpoints.
    """
    endpoints.check_built(model)
    kind = endpoints.model_kind(model)
    functions, signatures = endpoints.functions_and_signatures(model, batch_size, options)
    if endpoint_names is not None:
        unknown = sorted(set(endpoint_names) - set(functions))
        if unknown:
            raise ValueError(
                f"`endpoints` must be among {sorted(functions)} for a "
                f"{type(model).__name__}. Received unknown: {unknown}"
            )
        functions = {k: v for k, v in functions.items() if k in endpoint_names}
        signatures = {k: v for k, v in signatures.items() if k in endpoint_names}
    archive = keras.export.ExportArchive()
    archive.track(model)
    outputs = {}
    for name, fn in functions.items():
        concrete = archive.add_endpoint(name, fn, input_signature=signatures[name])
        structure = concrete.get_concrete_function(*signatures[name]).structured_outputs
        outputs[name] = sorted(structure)
    if string_endpoint and kind == "translator":
        _add_translate_strings(archive, model, options, string_sampler, outputs, signatures)
    return archive, signatures, outputs


def _add_translate_strings(archive, model, options, string_sampler, outputs, signatures):
    if model.source_vocabulary is None or model.target_vocabulary is None:
        return
    if string_sampler not in STRING_SAMPLERS:
        raise ValueError(
            f"`string_sampler` must be one of {STRING_SAMPLERS}. "
            f"Received: string_sampler={string_sampler!r}"
        )
    text_graph = TextGraph(
        model.tokenization, model.source_vocabulary, model.target_vocabulary
    )
    for resource in text_graph.resources:
        archive.track(resource)
    sampler = options.greedy_sampler() if string_sampler == "greedy" else options.beam_sampler()

    def translate(text):
        source_ids = text_graph.encode(text)
        out = model.generate(source_ids, sampler=sampler, max_length=options.max_length)
        token_ids, scores = out["token_ids"], out["scores"]
        if len(token_ids.shape) == 3:  # beam search: the best hypothesis
            token_ids, scores = token_ids[:, 0], scores[:, 0]
        return {
            "translation": text_graph.decode(token_ids),
            "token_ids": token_ids,
            "scores": scores,
        }

    spec = [tf.TensorSpec([None], tf.string, name="text")]
    archive.add_endpoint("translate", translate, input_signature=spec)
    outputs["translate"] = ["scores", "token_ids", "translation"]
    signatures["translate"] = spec


def export_saved_model(
    model,
    path,
    max_length=50,
    beam_width=4,
    length_penalty=0.0,
    coverage_penalty=0.0,
    num_return=1,
    string_sampler="greedy",
    batch_size=None,
):
    """Exports a translator or forecaster as a TensorFlow SavedModel.

    A `Seq2SeqTranslator` gets the endpoints (signatures) `translate_greedy`
    and `translate_beam` (source ids → `token_ids`, `scores`, `lengths`,
    `attention`; beam search adds `log_probs` and an n-best axis),
    `encode` (source ids → `memory`, `memory_mask`, `keys`, packed
    `states`) and `decode_step` (one step from token ids and packed states →
    greedy next `token_ids`, log-prob `scores`, `attention`, new `states`),
    the pair with which an app runs its own loop; and, if the model has its
    vocabularies, a string→string `translate` endpoint (tokenization with
    `tf.strings`). A `TimeSeriesForecaster` gets `predict`
    (`drivers`, `past_target` → `predictions` and the attention weights).

    The decode endpoints run the library's samplers over
    `AttentionDecoder.decode_step` (the same code as `model.generate`).
    The folder is written atomically, with the export metadata (vocabularies,
    options, state layout) in `<path>/assets.extra/keras_attention.json`.

    Args:
        model: a built `Seq2SeqTranslator` or `TimeSeriesForecaster`.
        path: the SavedModel folder to write (replaced if it exists).
        max_length: output buffer size of the decode endpoints (maximum
            emitted tokens, end token included).
        beam_width, length_penalty, coverage_penalty, num_return: the
            `BeamSampler` options of `translate_beam`.
        string_sampler: `"greedy"` or `"beam"`, what `translate` runs.
        batch_size: `None` (any batch) or a fixed batch size.

    Returns:
        The metadata dict written into the SavedModel.

    Example:

    A (here untrained) translator with its vocabularies; the SavedModel
    then runs with TensorFlow alone, text in and text out:

    >>> import tensorflow as tf
    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.export import export_saved_model
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> vocab = Vocabulary.build([list("0123456789/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> model.build()
    >>> _ = export_saved_model(model, "date_translator", max_length=8, beam_width=2)
    >>> reloaded = tf.saved_model.load("date_translator")
    >>> sorted(reloaded.signatures)  # serving_default is translate_greedy
    ['decode_step', 'encode', 'serving_default', 'translate', 'translate_beam', 'translate_greedy']
    >>> out = reloaded.signatures["translate"](text=tf.constant(["03/03/98"]))
    >>> out["translation"].numpy()[0].decode() == model.translate("03/03/98", max_length=8)
    True
    """
    endpoints.check_built(model)
    kind = endpoints.model_kind(model)
    _check_batch_size(batch_size, allow_none=True)
    options = None
    if kind == "translator":
        options = endpoints.DecodingOptions(
            max_length, beam_width, length_penalty, coverage_penalty, num_return
        )
    archive, signatures, outputs = build_archive(
        model,
        batch_size=batch_size,
        options=options,
        string_endpoint=True,
        string_sampler=string_sampler,
    )
    meta = metadata.build(model, signatures, outputs, options, batch_size)
    if kind == "translator":
        meta["string_sampler"] = string_sampler
    path = os.fspath(path)
    with io_utils.atomic_directory(path) as tmp:
        _write_out(archive, model, tmp)
        copy = os.path.join(tmp, metadata.SAVED_MODEL_COPY)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        io_utils.atomic_write_json(copy, meta)
    return meta


def write_temporary_saved_model(model, folder, batch_size, options, endpoint_names=None):
    """Writes the endpoints as a SavedModel under `folder` (for conversion)."""
    archive, signatures, outputs = build_archive(
        model, batch_size=batch_size, options=options, endpoint_names=endpoint_names
    )
    _write_out(archive, model, folder)
    return signatures, outputs


def _write_out(archive, model, folder):
    # Writing the archive traces every tf.function attribute of the model,
    # Keras' `_default_save_signature` included. For a model built by a
    # direct call, that signature takes the recorded input shapes with float
    # dtypes, and tracing it fails on the translator's integer token ids. The
    # endpoints are the archive's own, so hide the recorded shapes meanwhile.
    shapes = getattr(model, "_build_shapes_dict", None)
    if shapes:
        model._build_shapes_dict = {}
    try:
        with _quiet():
            archive.write_out(folder, verbose=False)
    finally:
        if shapes:
            model._build_shapes_dict = shapes


def _check_batch_size(batch_size, allow_none):
    if batch_size is None and allow_none:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            "`batch_size` must be a positive integer"
            + (" or None" if allow_none else "")
            + f". Received: batch_size={batch_size!r}"
        )


@contextlib.contextmanager
def _quiet():
    # tf.saved_model.save logs an INFO line per asset; keep exports quiet.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def temporary_folder(prefix="keras_attention_export_"):
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
