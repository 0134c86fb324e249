"""glassgrad.nn.functional: the functions the op families export to this namespace (ops/*.py, API["nn.functional"])."""
from ..ops import exported as _exported

globals().update(_exported("nn.functional"))
