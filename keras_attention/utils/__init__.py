"""Helpers that import neither Keras nor TensorFlow.

- `validation`: the argument checks shared by layers, data, recipes and the
  command line ("`units` must be a positive integer. Received: units=0").
- `startup`: quiet TensorFlow start-up for the command line and the example
  scripts.
"""
