"""SavedModel export of a task's serving endpoints."""

import contextlib
import os
import shutil
import tempfile

import keras
import tensorflow as tf

import keras_attention.io_utils as io_utils
from keras_attention.export import metadata


def check_built(model):
    if not isinstance(model, keras.Model) or getattr(model, "family", None) is None:
        raise ValueError(
            "`model` must be a keras_attention model (a Seq2SeqTranslator, "
            "TimeSeriesForecaster, ... implementing keras_attention.models.Task). "
            f"Received: model of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"The {type(model).__name__} is not built, so it has no weights to "
            "export. Call it once on data, fit it, or load a trained one "
            "(`keras_attention.models.load_model`) before exporting. Received: an "
            f"unbuilt model {model.name!r}"
        )


def tensor_specs(signature):
    """`[(name, shape, dtype)]` → `[tf.TensorSpec]`."""
    return [tf.TensorSpec(shape, tf.as_dtype(dtype), name=name) for name, shape, dtype in signature]


def build_archive(
    model,
    sampler=None,
    max_length=None,
    batch_size=None,
    endpoint_names=None,
    include_strings=False,
):
    """A `keras.export.ExportArchive` with the model's endpoints.

    Returns:
        `(archive, signatures, outputs)`: the archive, `{endpoint: [(name,
        shape, dtype)]}` and `{endpoint: [output names]}` of the registered
        endpoints.
    """
    check_built(model)
    endpoints = model.export_endpoints(
        sampler=sampler, max_length=max_length, batch_size=batch_size,
        include_strings=include_strings,
    )
    if endpoint_names is not None:
        unknown = sorted(set(endpoint_names) - set(endpoints))
        if unknown:
            raise ValueError(
                f"`endpoints_to_export` must be among {sorted(endpoints)} for a "
                f"{type(model).__name__}. Received unknown: {unknown}"
            )
        endpoints = {k: v for k, v in endpoints.items() if k in endpoint_names}
    archive = keras.export.ExportArchive()
    archive.track(model)
    signatures, outputs = {}, {}
    for name, endpoint in endpoints.items():
        for resource in endpoint.resources:
            archive.track(resource)
        specs = tensor_specs(endpoint.input_signature)
        function = archive.add_endpoint(name, endpoint.function, input_signature=specs)
        structure = function.get_concrete_function(*specs).structured_outputs
        signatures[name] = endpoint.input_signature
        outputs[name] = sorted(structure)
    return archive, signatures, outputs


def export_saved_model(model, path, sampler=None, max_length=None, batch_size=None):
    """Exports a model's serving endpoints as a TensorFlow SavedModel.

    The endpoints (signatures) are the model's (`Task.export_endpoints`): a
    `Seq2SeqTranslator` gets `translate_greedy` and `translate_beam` (source
    ids → `token_ids`, `scores`, `lengths`, `attention`; beam search adds
    `log_probs` and an n-best axis), `encode` (source ids → `memory`,
    `memory_mask`, `keys`, packed `states`) and `decode_step` (one step from
    token ids and packed states → greedy next `token_ids`, log-prob
    `scores`, `attention`, new `states`), the pair with which an app runs
    its own loop; and, with its vocabularies, a string→string `translate`.
    A `TimeSeriesForecaster` gets `predict` (`drivers`, `past_target` →
    `predictions` and the attention weights). The decode endpoints run the
    library's samplers over the decoder's step (the same code as
    `model.generate`). The folder is written atomically, with the export
    metadata in `<path>/assets.extra/keras_attention.json`.

    Args:
        model: a built keras_attention model.
        path: the SavedModel folder to write (replaced if it exists).
        sampler: the `BeamSampler` of the beam-search endpoint (default:
            `BeamSampler()`); greedy search is always exported too.
        max_length: output buffer size of the decode endpoints (default 50).
        batch_size: `None` (any batch) or a fixed batch size.

    Returns:
        The metadata dict written into the SavedModel.

    Example:

    A (here untrained) translator with its vocabularies; the SavedModel
    then runs with TensorFlow alone, text in and text out:

    >>> import tensorflow as tf
    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.export import export_saved_model
    >>> from keras_attention.models import BeamSampler, Seq2SeqTranslator
    >>> vocab = Vocabulary.build([list("0123456789/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> model.build()
    >>> _ = export_saved_model(model, "date_translator", max_length=8,
    ...                        sampler=BeamSampler(beam_width=2))
    >>> reloaded = tf.saved_model.load("date_translator")
    >>> sorted(reloaded.signatures)  # serving_default is translate_greedy
    ['decode_step', 'encode', 'serving_default', 'translate', 'translate_beam', 'translate_greedy']
    >>> out = reloaded.signatures["translate"](text=tf.constant(["03/03/98"]))
    >>> out["translation"].numpy()[0].decode() == model.translate("03/03/98", max_length=8)
    True
    """
    check_built(model)
    check_batch_size(batch_size, allow_none=True)
    archive, signatures, outputs = build_archive(
        model, sampler=sampler, max_length=max_length, batch_size=batch_size,
        include_strings=True,
    )
    meta = metadata.build(model, signatures, outputs, sampler, max_length, batch_size)
    path = os.fspath(path)
    with io_utils.atomic_directory(path) as tmp:
        write_out(archive, model, tmp)
        copy = os.path.join(tmp, metadata.SAVED_MODEL_COPY)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        io_utils.atomic_write_json(copy, meta)
    return meta


def write_out(archive, model, folder):
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


def check_batch_size(batch_size, allow_none):
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
