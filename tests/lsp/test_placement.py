"""Tests for nnmigrate.placement: sibling names and merging one migrated symbol into a target file."""

from __future__ import annotations

import textwrap

import pytest

from nnmigrate.frameworks import Framework
from nnmigrate.placement import PlacementError
from nnmigrate.placement import merge_symbol
from nnmigrate.placement import sibling_name
from nnmigrate.placement import sibling_path
from nnmigrate.placement import sibling_uri


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("model.py", Framework.TENSORFLOW, "model_tf.py"),
        ("model.py", Framework.PYTORCH, "model_torch.py"),
        ("model_torch.py", Framework.TENSORFLOW, "model_tf.py"),
        ("model_tf.py", Framework.PYTORCH, "model_torch.py"),
        ("net_keras.py", Framework.PYTORCH, "net_torch.py"),
        ("_tf.py", Framework.PYTORCH, "_tf_torch.py"),
        ("Makefile", Framework.TENSORFLOW, "Makefile_tf"),
    ],
)
def test_sibling_name(name: str, target: Framework, expected: str) -> None:
    assert sibling_name(name, target) == expected


def test_sibling_path_and_uri_keep_directories() -> None:
    assert sibling_path("/a/b.c/model.py", Framework.TENSORFLOW) == "/a/b.c/model_tf.py"
    assert sibling_path("C:\\src\\model.py", Framework.PYTORCH) == "C:\\src\\model_torch.py"
    assert sibling_uri("file:///w/m%20x/model.py", Framework.TENSORFLOW) == "file:///w/m%20x/model_tf.py"
    assert sibling_uri("untitled:Untitled-1", Framework.TENSORFLOW) == "untitled:Untitled-1_tf"


MIGRATED = d(
    '''
    """Migrated."""
    import keras
    from keras import layers


    def _helper(x):
        return x


    # nnmigrate: generated
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.fc = layers.Dense(3)
    '''
)


def test_merge_into_empty_file_returns_migrated_module() -> None:
    assert merge_symbol("", MIGRATED, "Net") == MIGRATED


def test_merge_appends_missing_definitions_and_imports() -> None:
    existing = d(
        '''
        """User's TF file."""
        import keras


        class Other(keras.Model):
            pass
        '''
    )
    merged = merge_symbol(existing, MIGRATED, "Net")
    assert merged == d(
        '''
        """User's TF file."""
        import keras
        from keras import layers


        class Other(keras.Model):
            pass


        def _helper(x):
            return x


        # nnmigrate: generated
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.fc = layers.Dense(3)
        '''
    )


def test_merge_replaces_existing_definition_in_place() -> None:
    existing = d(
        """
        import keras
        from keras import layers


        @some.decorator
        class Net(keras.Model):
            old = True


        class After:
            pass
        """
    )
    merged = merge_symbol(existing, MIGRATED, "Net")
    assert "old = True" not in merged
    assert merged.index("class Net") < merged.index("class After")
    assert "@some.decorator" not in merged
    assert merged.count("import keras") == 1
    assert merged.count("from keras import layers") == 1
    assert merged.index("def _helper") < merged.index("class Net") < merged.index("class After")
    assert merged.endswith("class After:\n    pass\n")


def test_merge_future_import_goes_first_after_docstring() -> None:
    migrated = "from __future__ import annotations\nimport keras\n\n\nclass Net:\n    pass\n"
    existing = '"""doc"""\nimport keras\n\nX = 1\n'
    merged = merge_symbol(existing, migrated, "Net")
    assert merged.splitlines()[:3] == ['"""doc"""', "from __future__ import annotations", "import keras"]
    assert merged.endswith("class Net:\n    pass\n")


def test_merge_without_imports_in_target_inserts_at_top() -> None:
    merged = merge_symbol("X = 1", "import keras\n\nclass Net:\n    pass\n", "Net")
    assert merged.splitlines()[0] == "import keras"
    assert "X = 1\n" in merged


def test_merge_rejects_broken_target_and_missing_symbol() -> None:
    with pytest.raises(PlacementError, match="does not parse"):
        merge_symbol("class (:\n", MIGRATED, "Net")
    with pytest.raises(PlacementError, match="Received: symbol='Missing'"):
        merge_symbol("X = 1\n", MIGRATED, "Missing")
