"""Cases for autograd_lab.ops.elementwise / unary / compare."""

from __future__ import annotations

import numpy as np

from . import In, OpCase

CASES = [
    OpCase("add", lambda lib, a, b: lib.add(a, b), [In((3, 4)), In((4,))],
           ref=lambda a, b: a + b, double=True, id="broadcast"),
    OpCase("mul", lambda lib, a, b: a * b, [In((2, 3)), In((2, 1))], ref=lambda a, b: a * b,
           double=True),
    OpCase("exp", lambda lib, a: lib.exp(a), [In((5,))], ref=np.exp, double=True),
]
