"""Public data sets: a registry (address, SHA-256, license), fetch/verify, loaders and a converter.

- :mod:`.registry` — every set and file with its pinned public address, checksum, size and
  license; :func:`get`, :func:`locate`, :func:`verify`, :func:`fetch`.
- :mod:`.loaders` — ``load_<name>(...)`` returning pandas frames (Fashion-MNIST: numpy arrays);
  :func:`load` dispatches by registry name.
- :mod:`.retail_shop` — :func:`online_retail_to_shop` turns UCI Online Retail into the ShopMind
  data model (products, customers, orders, order items, events).

Every set lives in a folder under the datasets directory (``SHOPMIND_DATASETS_DIR`` or
``Settings.datasets_dir``). Everything is importable from this package, as before the split.
Nothing here touches the disk, the network or pandas on import.
"""

from shopmind.data.datasets.loaders import *  # noqa: F403
from shopmind.data.datasets.registry import *  # noqa: F403
from shopmind.data.datasets.retail_shop import *  # noqa: F403
