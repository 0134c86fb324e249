"""glassgrad.linalg: the functions the op families export to this namespace (ops/*.py, API["linalg"])."""
from .ops import exported as _exported

globals().update(_exported("linalg"))
