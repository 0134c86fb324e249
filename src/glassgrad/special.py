"""glassgrad.special: the functions the op families export to this namespace (ops/*.py, API["special"])."""
from .ops import exported as _exported

globals().update(_exported("special"))
