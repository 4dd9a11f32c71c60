"""``autograd_lab.viz``: widgets that make the engine visible in JupyterLab.

An optional extra (``pip install -e ".[viz]"``): the engine never imports this package, and
this package imports its widget modules (and anywidget, ipywidgets, matplotlib) only when one of
the names below is first used, so ``import autograd_lab.viz`` stays cheap.

Every widget also has a static fallback (``_repr_html_``/``_repr_svg_``) for nbval, nbconvert
and frontends without widget support; outside a notebook the text views print.
"""

from __future__ import annotations

import importlib

# Public name -> submodule that defines it. Explicit on purpose: grep finds every widget here.
_EXPORTS = {
    # Computation graph and backward stepper.
    # (private module names: a submodule named `graph` would shadow the function `graph`)
    "graph": "_graph_widget",
    "GraphWidget": "_graph_widget",
    "extract_graph": "_graph_extract",
    "trace_modules": "_graph_extract",
    "stepper": "_stepper_widget",
    "BackwardStepper": "_stepper_widget",
    # Gradient views, training monitor, tensor inspector, image helpers.
    # (section owned by the second widget module set; add entries here)
    "gradients": "gradient_report",  # not "gradients": the module would shadow the function
    "GradientReport": "gradient_report",
    "dead_relu": "gradient_report",
    "TrainingMonitor": "monitor",
    "inspect": "inspector",
    "TensorInspector": "inspector",
    "image_grid": "images",
    "ImageGrid": "images",
    "confusion_matrix": "images",
    "ConfusionMatrix": "images",
    "class_accuracy": "images",
    "ClassAccuracy": "images",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd_lab.viz' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
