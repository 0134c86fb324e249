"""glassgrad.linalg: the functions the op families export to this namespace (ops/*.py, API["linalg"])."""
from .ops import exported as _exported

globals().update(_exported("linalg"))
from ._missing import module_getattr as _module_getattr  # noqa: E402

# a PyTorch name glassgrad lacks raises NotImplementedError naming it (glassgrad._missing)
__getattr__ = _module_getattr(__name__)
