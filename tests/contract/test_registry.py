"""The one registry pattern: lazy imports, errors that list the valid names, configs, prefixes."""

from __future__ import annotations

import fractions
import subprocess
import sys
from collections import OrderedDict

import pytest

from shopmind.assistant.nlu.base import CLASSIFIERS, UnknownClassifierError
from shopmind.recommend.base import RECOMMENDERS, UnknownModelError
from shopmind.registry import Registry, UnknownNameError
from shopmind.synth import SYNTHESIZERS
from shopmind.text.encoder import ENCODERS

REGISTRIES = {
    "recommender": RECOMMENDERS,
    "classifier": CLASSIFIERS,
    "synth": SYNTHESIZERS,
    "encoder": ENCODERS,
}


def test_building_the_registries_imports_no_registered_module() -> None:
    code = (
        "import sys; import shopmind.recommend.base, shopmind.assistant.nlu.base, shopmind.synth;"
        "loaded = [m for m in ('torch', 'shopmind.recommend.popular', 'shopmind.recommend.sasrec',"
        " 'shopmind.assistant.nlu.finetune', 'shopmind.synth.tabular') if m in sys.modules]; print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("what", list(REGISTRIES))
def test_every_entry_imports_and_knows_its_name(what: str) -> None:
    registry = REGISTRIES[what]
    assert registry.names(), what
    for name in registry:
        cls = registry.get(name)
        assert isinstance(cls, type) and name in registry
        if what != "encoder":  # models save their registry name and are loaded back by it
            assert cls.name == name, (what, name, cls.name)


def test_unknown_names_raise_errors_that_list_the_valid_names() -> None:
    with pytest.raises(UnknownModelError) as rec:
        RECOMMENDERS.create("nope")
    with pytest.raises(UnknownClassifierError) as clf:
        CLASSIFIERS.get("nope")
    for info, registry in ((rec, RECOMMENDERS), (clf, CLASSIFIERS)):
        assert isinstance(info.value, UnknownNameError) and isinstance(info.value, KeyError)
        assert str(info.value).startswith(f"unknown {registry.what} 'nope'; valid names: ")
        assert all(name in str(info.value) for name in registry.names())
    with pytest.raises(UnknownNameError, match=r"unknown synthesizer 'nope'; valid names: ctgan-style$"):
        SYNTHESIZERS.get("nope")


def test_create_uses_the_config_dataclass_and_prefixes_pass_the_rest_of_the_name() -> None:
    model = RECOMMENDERS.create("popular", recent_days=3.0, seed=2)
    assert type(model).__name__ == "Popular" and model.config == type(model).Config(recent_days=3.0, seed=2)
    with pytest.raises(TypeError):
        RECOMMENDERS.create("popular", no_such_field=1)
    things = Registry("thing", {"dict": "collections:OrderedDict"}, prefixes={"frac:": "fractions:Fraction"})
    assert things.create("dict", a=1) == OrderedDict(a=1)  # no Config: keyword arguments
    assert things.create("frac:3/4") == fractions.Fraction(3, 4)
    assert "frac:1" in things and "frac:" not in things and "nope" not in things
    assert things.names() == ["dict"] and things.valid_names() == ["dict", "frac:<name>"]
    with pytest.raises(UnknownNameError, match=r"valid names: dict, frac:<name>"):
        things.get("frac:")


def test_a_bad_path_fails_when_the_registry_is_built() -> None:
    with pytest.raises(ValueError, match="module:Class"):
        Registry("thing", {"x": "collections.OrderedDict"})
