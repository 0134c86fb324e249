"""glassgrad.nn.modules: Module, containers and layers."""
from ..._lazy import lazy_attributes as _lazy_attributes

# NOTE: the recurrent and transformer layers load on first use (see glassgrad/nn/__init__.py)
__getattr__, __dir__ = _lazy_attributes(__name__, {"rnn": (".rnn", None), "transformer": (".transformer", None)})
