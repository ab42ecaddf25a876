"""Public data sets: records (address, SHA-256, license), locate/verify/fetch, loaders and a converter.

- :mod:`.records` — every set and file with its pinned public address, checksum, size and
  license (:data:`REGISTRY`); data only.
- :mod:`.files` — :func:`get`, :func:`locate`, :func:`verify`, :func:`fetch`: the sets' files
  under a datasets folder passed as ``root`` (None: ``SHOPMIND_DATASETS_DIR``).
- :mod:`.loaders` — ``load_<name>(...)`` returning pandas frames (Fashion-MNIST: numpy arrays);
  :func:`load` dispatches by registry name.
- :mod:`.retail_shop` — :func:`online_retail_to_shop` turns UCI Online Retail into the ShopMind
  data model (products, customers, orders, order items, events).

Every name is importable from this package. Nothing here touches the disk, the network or
pandas on import.
"""

from shopmind.data.datasets.files import *  # noqa: F403
from shopmind.data.datasets.loaders import *  # noqa: F403
from shopmind.data.datasets.records import *  # noqa: F403
from shopmind.data.datasets.retail_shop import *  # noqa: F403
