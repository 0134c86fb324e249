"""glassgrad.nn.modules.layers: every layer module, re-exported from the files that define them (named as in
torch.nn.modules): linear, conv, pooling, normalization, activation, loss, sparse (embeddings), dropout, flatten,
pixelshuffle, upsampling, distance."""
from . import (linear, conv, pooling, normalization, activation, loss, sparse, dropout, flatten, pixelshuffle,
               upsampling, distance, lazy)
from .linear import *          # noqa: F401,F403
from .conv import *            # noqa: F401,F403
from .pooling import *         # noqa: F401,F403
from .normalization import *   # noqa: F401,F403
from .activation import *      # noqa: F401,F403
from .loss import *            # noqa: F401,F403
from .sparse import *          # noqa: F401,F403
from .dropout import *         # noqa: F401,F403
from .flatten import *         # noqa: F401,F403
from .pixelshuffle import *    # noqa: F401,F403
from .upsampling import *      # noqa: F401,F403
from .distance import *        # noqa: F401,F403
from .lazy import LazyModuleMixin  # noqa: F401

__all__ = [name for m in (linear, conv, pooling, normalization, activation, loss, sparse, dropout, flatten,
                          pixelshuffle, upsampling, distance) for name in m.__all__]
