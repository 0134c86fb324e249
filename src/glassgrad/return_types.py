"""Named result tuples (`torch.return_types.max` and friends): tuples with named fields that print as
PyTorch prints them."""
import collections

__all__ = ["max", "min"]


def _make(name, fields):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"torch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "torch.return_types"})
    return cls


max = _make("max", ("values", "indices"))
min = _make("min", ("values", "indices"))
