"""The weights_only unpickler: reads a checkpoint's pickle without running code the file chooses.

`pickle.load` calls whatever the file names (`os.system` included). This reader interprets the pickle opcodes
itself and allows what PyTorch 2.13's weights_only unpickler allows, no more: the protocol-2 opcodes `torch.save`
writes; globals from PyTorch's default allowlist (`_names.WEIGHTS_ONLY`: tensors, Parameters, storages, dtypes,
devices, Size, OrderedDict, Counter, set, bytearray, complex, bytes) plus those the user allows with
`add_safe_globals` / `safe_globals`; calls (REDUCE, NEWOBJ) and state updates (BUILD) only on allowed objects;
appends only to lists and item assignment only to dicts. Anything else raises pickle.UnpicklingError naming it,
before it runs. Modules `os`, `sys`, `posix` and `nt` are refused even when allowlisted.

NumPy arrays are refused unless their globals are allowed (as in PyTorch):
`safe_globals([np._core.multiarray._reconstruct, np.ndarray, np.dtype, np.dtypes.Float64DType])`.
"""
import _compat_pickle
import pickle
import struct
import sys
import warnings
from collections import Counter, OrderedDict

from ..tensor import Tensor
from . import _names

__all__ = ["WeightsUnpickler", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "globals_in_pickle", "allowed_names", "BLOCKED_MODULES"]

BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_PARAMETER = "torch.nn.parameter.Parameter"
_user_safe = set()  # what add_safe_globals added: callables, or (callable, "module.qualname") pairs


# ---- the user's allowlist -------------------------------------------------------------------------------------
def add_safe_globals(safe_globals):
    """Allows the given classes and functions in weights_only loads. An item is the object itself (known in a
    checkpoint by PyTorch's `module.qualname` for it) or an `(object, "module.qualname")` pair naming it."""
    global _user_safe
    _user_safe = _user_safe | set(safe_globals)


def get_safe_globals():
    """The globals add_safe_globals allowed, as a list."""
    return list(_user_safe)


def clear_safe_globals():
    """Forgets every global add_safe_globals allowed."""
    global _user_safe
    _user_safe = set()


class safe_globals:
    """Allows the given globals in weights_only loads inside a `with` block (and forgets them after it)."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        global _user_safe
        _user_safe = _user_safe - set(self.safe_globals)


def _user_allowed():
    """{checkpoint name: object} of the user's allowlist."""
    out = {}
    for item in _user_safe:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                                 f"length: {len(item)}")
            if type(item[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(item[1])}")
            out[item[1]] = item[0]
        else:
            named = _names.torch_name(item)
            module, name = named if named is not None else (item.__module__, item.__qualname__)
            out[f"{module}.{name}"] = item
    return out


def allowed_names():
    """Every global name a weights_only load accepts now (PyTorch's defaults and the user's)."""
    return set(_names.WEIGHTS_ONLY) | set(_user_allowed())


def _python3_name(module, name):
    """The Python 3 name of a protocol-2 global written by Python 2 (`__builtin__.set` is `builtins.set`)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _display(full):
    # NOTE: as PyTorch does, builtins are shown without their module (`slice`, not `builtins.slice`)
    return full[len("builtins."):] if full.startswith("builtins.") else full


# ---- reading ---------------------------------------------------------------------------------------------------
class WeightsUnpickler:
    """`WeightsUnpickler(file, persistent_load, encoding).load()`: the object a pickle holds, built from allowed
    pieces only. `persistent_load(pid)` turns a ('storage', ...) persistent id into a storage."""

    def __init__(self, file, persistent_load, encoding="utf-8"):
        self.read = file.read
        self.readline = file.readline
        self.persistent_load = persistent_load
        self.encoding = encoding
        self.memo = {}
        self.stack = []
        self.marks = []
        self.proto = -1
        self.user = _user_allowed()
        self._allowed_ids = None

    def _allowed(self, obj):
        if self._allowed_ids is None:
            ids = {id(v) for v in self.user.values()}
            for full in _names.WEIGHTS_ONLY - {_PARAMETER}:  # NOTE: Parameter below: it would import glassgrad.nn
                try:
                    ids.add(id(_names.weights_only_global(full)))
                except NotImplementedError:
                    pass
            self._allowed_ids = ids
        if id(obj) in self._allowed_ids:
            return True
        return "glassgrad.nn.parameter" in sys.modules and obj is _names.weights_only_global(_PARAMETER)

    def load(self):
        ops = _OPCODES
        while True:
            code = self.read(1)
            if not code:
                raise EOFError
            op = ops.get(code[0])
            if op is None:
                raise pickle.UnpicklingError(f"Unsupported operand {code[0]}")
            if op is _stop:
                return self.stack.pop()
            op(self)

    def pop_mark(self):
        items = self.stack
        self.stack = self.marks.pop()
        return items

    def _global(self):
        module = self.readline()[:-1].decode("utf-8")
        name = self.readline()[:-1].decode("utf-8")
        module, name = _python3_name(module, name)
        full = f"{module}.{name}"
        if module in BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Unsupported GLOBAL {full}: its module {module} is blocked, and allowing "
                                         f"it is refused too")
        if full in _names.WEIGHTS_ONLY:
            self.stack.append(_names.weights_only_global(full))
        elif full in self.user:
            self.stack.append(self.user[full])
        else:
            shown = _display(full)
            raise pickle.UnpicklingError(
                f"Unsupported global: GLOBAL {shown} was not an allowed global by default. If you trust this class "
                f"or function, allow it with `torch.serialization.add_safe_globals([{shown}])`, or for a single "
                f"load inside `with torch.serialization.safe_globals([{shown}]):`.")

    def _reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if not self._allowed(func):
            raise pickle.UnpicklingError(f"Refusing to call {func!r}: it is not an allowed global")
        self.stack[-1] = func(*args)

    def _newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if "glassgrad.nn.parameter" in sys.modules and cls is _names.weights_only_global(_PARAMETER):
            self.stack.append(cls(*args))
        elif self._allowed(cls):
            self.stack.append(cls.__new__(cls, *args))
        else:
            raise pickle.UnpicklingError(f"Refusing to create an instance of {cls!r}: only nn.Parameter and classes "
                                         f"allowed with `add_safe_globals` can be created")

    def _build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        cls = type(inst)
        if cls is OrderedDict:
            inst.__dict__.update(state)  # a state_dict's _metadata
        elif self._allowed(cls) and cls is not Tensor:  # NOTE: PyTorch's legacy Tensor state is not supported
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            for k, v in (slots or {}).items():
                setattr(inst, k, v)
        else:
            raise pickle.UnpicklingError(f"Refusing to set the state of a {cls!r}: only OrderedDict and classes "
                                         f"allowed with `add_safe_globals` can have state set")

    def _append(self):
        item = self.stack.pop()
        self._list_target().append(item)

    def _appends(self):
        items = self.pop_mark()
        self._list_target().extend(items)

    def _list_target(self):
        target = self.stack[-1]
        if type(target) is not list:
            raise pickle.UnpicklingError(f"Can only append to lists, but got {type(target)}")
        return target

    def _setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self._dict_target("SETITEM")[key] = value

    def _setitems(self):
        items = self.pop_mark()
        target = self._dict_target("SETITEMS")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _dict_target(self, opname):
        target = self.stack[-1]
        if type(target) not in (dict, OrderedDict, Counter):
            raise pickle.UnpicklingError(f"Can only {opname} for dict, collections.OrderedDict, "
                                         f"collections.Counter, but got {type(target)}")
        return target

    def _tuple(self):
        items = tuple(self.pop_mark())  # NOTE: before reading self.stack, which pop_mark replaces
        self.stack.append(items)

    def _persid(self):
        pid = self.stack.pop()
        if type(pid) is not tuple and type(pid) is not int:
            raise pickle.UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
        if type(pid) is tuple and pid and _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
        self.stack.append(self.persistent_load(pid))

    def _short_binstring(self):
        data = self.read(self.read(1)[0])
        self.stack.append(data if self.encoding == "bytes" else data.decode(self.encoding, "strict"))

    def _binunicode(self):
        (n,) = struct.unpack("<I", self.read(4))
        self.stack.append(str(self.read(n), "utf-8", "surrogatepass"))

    def _proto(self):
        self.proto = self.read(1)[0]
        if self.proto != 2:
            warnings.warn(f"Detected pickle protocol {self.proto} in the checkpoint, which was not the default pickle "
                          f"protocol used by `torch.load` (2). The weights_only Unpickler might not support all "
                          f"instructions implemented by this protocol, please file an issue for adding support if you "
                          f"encounter this.", stacklevel=4)

    def _mark(self):
        self.marks.append(self.stack)
        self.stack = []

    def _put(self, idx):
        self.memo[idx] = self.stack[-1]

    def _get(self, idx):
        self.stack.append(self.memo[idx])  # NOTE: a KeyError for a missing entry, as PyTorch's reader raises


def _ascii(s):
    return s.decode("ascii") if isinstance(s, bytes) else s


def _push(value_fn):
    return lambda self: self.stack.append(value_fn(self))


def _stop(self):
    """STOP: handled by load()."""


def _tuple_n(n):
    def op(self):
        items = tuple(self.stack[-n:])
        del self.stack[-n:]
        self.stack.append(items)
    return op


_OPCODES = {
    pickle.PROTO[0]: WeightsUnpickler._proto, pickle.STOP[0]: _stop,
    pickle.GLOBAL[0]: WeightsUnpickler._global, pickle.REDUCE[0]: WeightsUnpickler._reduce,
    pickle.NEWOBJ[0]: WeightsUnpickler._newobj, pickle.BUILD[0]: WeightsUnpickler._build,
    pickle.APPEND[0]: WeightsUnpickler._append, pickle.APPENDS[0]: WeightsUnpickler._appends,
    pickle.SETITEM[0]: WeightsUnpickler._setitem, pickle.SETITEMS[0]: WeightsUnpickler._setitems,
    pickle.MARK[0]: WeightsUnpickler._mark, pickle.BINPERSID[0]: WeightsUnpickler._persid,
    pickle.TUPLE[0]: WeightsUnpickler._tuple,
    pickle.TUPLE1[0]: _tuple_n(1), pickle.TUPLE2[0]: _tuple_n(2), pickle.TUPLE3[0]: _tuple_n(3),
    pickle.NONE[0]: _push(lambda self: None), pickle.NEWFALSE[0]: _push(lambda self: False),
    pickle.NEWTRUE[0]: _push(lambda self: True), pickle.EMPTY_TUPLE[0]: _push(lambda self: ()),
    pickle.EMPTY_LIST[0]: _push(lambda self: []), pickle.EMPTY_DICT[0]: _push(lambda self: {}),
    pickle.EMPTY_SET[0]: _push(lambda self: set()),
    pickle.BININT[0]: _push(lambda self: struct.unpack("<i", self.read(4))[0]),
    pickle.BININT1[0]: _push(lambda self: self.read(1)[0]),
    pickle.BININT2[0]: _push(lambda self: struct.unpack("<H", self.read(2))[0]),
    pickle.BINFLOAT[0]: _push(lambda self: struct.unpack(">d", self.read(8))[0]),
    pickle.LONG1[0]: _push(lambda self: pickle.decode_long(self.read(self.read(1)[0]))),
    pickle.BINUNICODE[0]: WeightsUnpickler._binunicode, pickle.SHORT_BINSTRING[0]: WeightsUnpickler._short_binstring,
    pickle.BINPUT[0]: lambda self: self._put(self.read(1)[0]),
    pickle.LONG_BINPUT[0]: lambda self: self._put(struct.unpack("<I", self.read(4))[0]),
    pickle.BINGET[0]: lambda self: self._get(self.read(1)[0]),
    pickle.LONG_BINGET[0]: lambda self: self._get(struct.unpack("<I", self.read(4))[0]),
}


def globals_in_pickle(data):
    """The names of the GLOBAL opcodes of a protocol-2 pickle (`data`, bytes), read without building anything."""
    import pickletools
    found = set()
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.code not in _SCAN_OK:
                raise pickle.UnpicklingError(f"Unsupported operand {op.code.encode('latin-1')[0]}")
            if op.name == "GLOBAL":
                module, name = _python3_name(*arg.split(" ", 1))
                found.add(f"{module}.{name}")
    except ValueError as e:
        raise pickle.UnpicklingError(str(e)) from None
    return found


_SCAN_OK = {chr(code) for code in _OPCODES}
