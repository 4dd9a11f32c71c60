"""The layer classes of autograd_lab.nn, one file per family (as torch/nn/modules)."""
