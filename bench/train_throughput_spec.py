"""The peers' benchmark spec as Seq2SeqTranslator arguments (shared by the benches)."""

SRC_VOCAB = TGT_VOCAB = 8000
EMBED, UNITS = 256, 512

SPEC = {
    # Model A: GRUCell decoder, the current state queries, the context is fed
    # to the next step, additive score without biases, logits from the state
    # (tfa.seq2seq.AttentionWrapper(attention_layer_size=None,
    # output_attention=False)).
    "bahdanau": dict(
        attention="bahdanau",
        use_attention_bias=False,
        attention_query="current",
        input_feeding=True,
        attention_layer_size=None,
        output_attention=False,
    ),
    # Model B: GRU decoder over the whole target (no input feeding: the fast
    # path), dot score, tanh(W_c [c; h] + b) with 512 units.
    "luong": dict(
        attention="luong",
        score_mode="dot",
        attention_query="current",
        input_feeding=False,
        attention_layer_size=UNITS,
        output_attention=True,
    ),
}


def build_spec_model(translator_cls, model_name, **overrides):
    kwargs = dict(
        source_vocabulary_size=SRC_VOCAB,
        target_vocabulary_size=TGT_VOCAB,
        embedding_dim=EMBED,
        units=UNITS,
        encoder="gru",
    )
    kwargs.update(SPEC[model_name])
    kwargs.update(overrides)
    model = translator_cls(**kwargs)
    model.build()
    return model
