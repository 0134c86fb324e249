"""glassgrad.nn.functional: the functions the op families export to this namespace (ops/*.py, API["nn.functional"])."""
from ..ops import exported as _exported

globals().update(_exported("nn.functional"))

# NOTE: composites of glassgrad ops until the op library has them as primitives with PyTorch's node names
from .modules._functional import (dropout1d, dropout2d, dropout3d, pixel_shuffle, pixel_unshuffle,  # noqa: E402,F401
                                  embedding_bag)
from .._missing import module_getattr as _module_getattr  # noqa: E402

# a PyTorch name glassgrad lacks raises NotImplementedError naming it (glassgrad._missing)
__getattr__ = _module_getattr(__name__)
