"""Natural-language understanding for the shop assistant (Chinese + English).

    from shopmind.assistant.nlu import load_shop_nlu
    nlu = load_shop_nlu()                       # published "nlu" artifact, or trained once (~1-2 min)
    p = nlu.parse("我的订单O000123到哪了")       # intent, score, in_scope, lang, entities, frustration

Intent classifiers for other data (benchmarks) share one interface and registry: see ``base``.
Importing this package loads no model and no torch.
"""

from shopmind.assistant.nlu.base import (
    CLASSIFIERS,
    IntentClassifier,
    UnknownClassifierError,
    load_classifier,
    make_classifier,
)
from shopmind.assistant.nlu.data import OUT_OF_SCOPE, SHOP_INTENTS
from shopmind.assistant.nlu.entities import Catalog, Entity, extract_entities
from shopmind.assistant.nlu.lang import detect_lang
from shopmind.assistant.nlu.shop import Parse, ShopNLU, ShopNLUConfig, load_shop_nlu, train_shop_nlu

__all__ = [
    "CLASSIFIERS",
    "OUT_OF_SCOPE",
    "SHOP_INTENTS",
    "Catalog",
    "Entity",
    "IntentClassifier",
    "Parse",
    "ShopNLU",
    "ShopNLUConfig",
    "UnknownClassifierError",
    "detect_lang",
    "extract_entities",
    "load_classifier",
    "load_shop_nlu",
    "make_classifier",
    "train_shop_nlu",
]
