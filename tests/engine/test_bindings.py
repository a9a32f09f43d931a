"""Names each statement and block binds, as constant folding needs them (one walk of the module)."""

from __future__ import annotations

import textwrap

import libcst as cst

from nnmigrate.readers.constants import Bindings

SOURCE = textwrap.dedent('''
    import numpy as np
    SCALE = 2


    def build(x):
        global SCALE
        axis = 1
        for i, (a, b) in enumerate(pairs):
            axis += i
            with ctx() as (c, d):
                del a
        try:
            y = x
        except ValueError as error:
            pass

        def inner():
            hidden = 3

        f = lambda z: z
        return axis
''')


def _bindings(walrus: bool) -> tuple[cst.Module, Bindings]:
    source = SOURCE + "if (n := 4) > 3:\n    pass\n" if walrus else SOURCE
    module = cst.parse_module(source)
    return module, Bindings(module, walrus=walrus)


def test_each_block_knows_the_names_it_binds():
    module, bindings = _bindings(walrus=False)
    build = next(s for s in module.body if isinstance(s, cst.FunctionDef))
    loop = next(s for s in build.body.body if isinstance(s, cst.For))
    assert bindings.of(loop) == {"i", "a", "b", "axis", "c", "d"}
    assert bindings.of(build.body) == {"SCALE", "axis", "i", "a", "b", "c", "d", "y", "error", "inner", "f"}
    assert bindings.of(build) == {"build"}  # what it binds inside is its own scope's
    assert bindings.globals == {"SCALE"}
    assert bindings.of(module.body[0]) == {"np"}


def test_a_walrus_binds_only_when_the_walk_looks_into_expressions():
    module, bindings = _bindings(walrus=True)
    assert bindings.of(module.body[-1]) == {"n"}
    module, bindings = _bindings(walrus=False)
    assert "n" not in set().union(*(bindings.of(s) for s in module.body))
