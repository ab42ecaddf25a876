"""Natural-language understanding for the shop assistant (Chinese + English).

    from shopmind.artifacts import ArtifactStore
    from shopmind.assistant.nlu import ServedNLU, train_and_publish_nlu
    artifacts = ArtifactStore("artifacts")
    nlu = ServedNLU(artifacts)                  # the published "nlu" model, else the rule-based fallback
    p = nlu.parse("我的订单O000123到哪了")       # intent, score, in_scope, lang, entities, frustration
    train_and_publish_nlu(artifacts)            # train (~1-2 min) and publish; the next parse uses it

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
from shopmind.assistant.nlu.fallback import FallbackConfig, FallbackNLU, build_fallback
from shopmind.assistant.nlu.lang import detect_lang
from shopmind.assistant.nlu.serving import ServedNLU
from shopmind.assistant.nlu.shop import (
    Parse,
    ShopNLU,
    ShopNLUConfig,
    load_shop_nlu,
    train_and_publish_nlu,
    train_shop_nlu,
)

__all__ = [
    "CLASSIFIERS",
    "OUT_OF_SCOPE",
    "SHOP_INTENTS",
    "Catalog",
    "Entity",
    "FallbackConfig",
    "FallbackNLU",
    "IntentClassifier",
    "Parse",
    "ServedNLU",
    "ShopNLU",
    "ShopNLUConfig",
    "UnknownClassifierError",
    "build_fallback",
    "detect_lang",
    "extract_entities",
    "load_classifier",
    "load_shop_nlu",
    "make_classifier",
    "train_and_publish_nlu",
    "train_shop_nlu",
]
