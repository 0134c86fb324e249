"""torch.Generator for the CPU: PyTorch's Mersenne Twister (mt19937), its seeding and its state bytes.

PyTorch's CPU generator is the classic 32-bit mt19937 seeded with the low 32 bits of the seed (Matsumoto and
Nishimura's init_genrand); `random()` is one 32-bit output, `random64()` two of them, the first in the high half.
NumPy's MT19937 bit generator, seeded with its `_legacy_seeding`, is the same engine, so the raw stream comes from
it, many values per call. numpy.random is imported on the first draw, not with glassgrad (it costs ~7 ms).

The generator also holds the second value of the scalar Box-Muller transform (see draws.normal), as PyTorch's
does, and `get_state()` writes all of it in PyTorch's byte layout, so the bytes of `torch.get_rng_state()` load
here and the other way round.

    >>> import glassgrad as torch
    >>> g = torch.Generator().manual_seed(42)
    >>> g.initial_seed(), int(g._raw32(1)[0])
    (42, 1608637542)
"""
import os
import struct

import numpy as np

__all__ = ["Generator", "default_generator", "DEFAULT_SEED", "STATE_SIZE"]

DEFAULT_SEED = 67280421310721  # the seed of a generator nobody seeded (PyTorch's default_rng_seed_val)
N = 624  # words of mt19937 state
# PyTorch's CPUGeneratorImplState, packed little-endian: initial seed (int64), left (int32), seeded (int32),
# next (uint64), 624 state words stored as uint64, normal_x / normal_y / normal_rho (double), normal_is_valid
# (int32 + 4 bytes of padding), then the float normal cache (float32) and its flag (bool + 3 bytes of padding).
_HEAD = struct.Struct("<qiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
STATE_SIZE = _HEAD.size + 8 * N + _TAIL.size  # 5056
_U64 = (1 << 64) - 1

MSG_NO_CUDA = ("Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into two shared "
               "libraries: a CPU library and a CUDA library; this error has occurred because you are trying to use "
               "some CUDA functionality, but the CUDA library has not been loaded by the dynamic linker for some "
               "reason.  The CUDA library MUST be loaded, EVEN IF you don't directly use any symbols from the CUDA "
               "library! One common culprit is a lack of -Wl,--no-as-needed in your link arguments; many dynamic "
               "linkers will delete dynamic library dependencies if you don't depend on any of their symbols.  You "
               "can check if this has occurred by using ldd on your binary to see if there is a dependency on "
               "*_cuda.so library.")


def _seed_value(seed, who="manual_seed"):
    """A seed as PyTorch stores it: an integer in [-2**63, 2**64), negatives taken modulo 2**64."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"{who} expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed <= _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _U64


class Generator:
    """A random source with PyTorch's stream: `Generator().manual_seed(s)` draws what `torch.Generator()
    .manual_seed(s)` draws, call for call."""

    def __init__(self, device="cpu"):
        from ..device import device as _device, is_cuda_emulated
        dev = _device(device)
        if dev.type == "cuda" and not is_cuda_emulated():
            raise RuntimeError(MSG_NO_CUDA)
        if dev.type not in ("cpu", "cuda"):
            raise RuntimeError(f"{dev.type.upper()} device type not an accelerator.")
        self.device = dev
        self._seed = DEFAULT_SEED
        self._bits = None  # NumPy's MT19937, made on the first draw (see _engine)
        self._fresh = True  # seeded and not drawn from since (PyTorch's `next` reads 0 then, 624 later)
        self.normal_cache = None  # the second Box-Muller value of the last scalar normal draw (float64)
        self.normal_cache_f = None  # its float32 twin in PyTorch (no CPU kernel uses it; kept for the state)

    # ---- the engine ----------------------------------------------------------------------------------
    def _engine(self):
        bits = self._bits
        if bits is None:
            bits = self._bits = np.random.MT19937(0)
            bits._legacy_seeding(self._seed & 0xFFFFFFFF)  # PyTorch seeds the engine with the low 32 bits
        self._fresh = False
        return bits

    def _raw32(self, n):
        """The next `n` 32-bit outputs (PyTorch's `random()`), as uint64."""
        if not n:
            return np.empty(0, np.uint64)
        return self._engine().random_raw(n)

    def _raw64(self, n):
        """The next `n` 64-bit values (PyTorch's `random64()`: two outputs, the first in the high half)."""
        if not n:
            return np.empty(0, np.uint64)
        raw = self._engine().random_raw(2 * n)
        return (raw[0::2] << np.uint64(32)) | raw[1::2]

    # ---- seeding --------------------------------------------------------------------------------------
    def manual_seed(self, seed):
        self._seed = _seed_value(seed)
        self._bits = None
        self._fresh = True
        self.normal_cache = self.normal_cache_f = None
        return self

    def seed(self):
        """Seeds from the operating system's entropy; returns the seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_offset(self):
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset):
        raise RuntimeError("CPU Generator does not use offset")

    # ---- state ----------------------------------------------------------------------------------------
    def get_state(self):
        """The state as a uint8 tensor of 5056 bytes, laid out as PyTorch's."""
        from ..tensor import _new
        from .. import _dtype as D
        return _new(np.frombuffer(self._state_bytes(), np.uint8).copy(), D.uint8)

    def _state_bytes(self):
        if self._bits is None:
            self._engine()
            self._fresh = True
        st = self._bits.state["state"]
        pos = int(st["pos"])
        nxt = 0 if (self._fresh and pos == N) else pos
        head = _HEAD.pack(self._seed - (1 << 64) if self._seed >> 63 else self._seed, N + 1 - pos, 1, nxt)
        words = np.asarray(st["key"], np.uint32).astype("<u8").tobytes()
        dn, fn = self.normal_cache, self.normal_cache_f
        tail = _TAIL.pack(0.0, 0.0 if dn is None else dn, 0.0, dn is not None, 0.0 if fn is None else fn,
                          fn is not None)
        return head + words + tail

    def set_state(self, new_state):
        from ..tensor import Tensor
        from .. import _dtype as D
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state._dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        data = np.ascontiguousarray(new_state._data).tobytes()
        if len(data) != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG "
                               f"state size to be {len(data)}")
        self._load_state(data)
        return self

    def _load_state(self, data):
        seed, left, seeded, nxt = _HEAD.unpack_from(data)
        _, dn, _, d_valid, fn, f_valid = _TAIL.unpack_from(data, _HEAD.size + 8 * N)
        if not (seeded and 0 < left <= N and nxt <= N):
            raise RuntimeError("Invalid mt19937 state")
        words = np.frombuffer(data, "<u8", N, _HEAD.size).astype(np.uint32)  # PyTorch keeps the low 32 bits
        bits = np.random.MT19937(0)
        # NOTE: `left` says when the engine next twists; a consistent state has next == 625 - left
        bits.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": N + 1 - left}}
        self._bits = bits
        self._seed = seed & _U64
        self._fresh = left == 1 and nxt == 0
        self.normal_cache = dn if d_valid else None
        self.normal_cache_f = float(np.float32(fn)) if f_valid else None

    def clone_state(self):
        """A new generator in this one's state."""
        g = Generator(self.device)
        g._load_state(self._state_bytes())
        return g

    graphsafe_get_state = clone_state

    def graphsafe_set_state(self, other):
        self._load_state(other._state_bytes())
        return self

    # ---- copying and pickling: the device, the seed and the state (bytes: glassgrad tensors do not pickle) ------
    def __reduce__(self):
        return (Generator, (str(self.device),), (self._seed, None, self._state_bytes()))

    def __setstate__(self, state):
        st = state[2]
        if isinstance(st, (bytes, bytearray)):
            self._load_state(bytes(st))
        else:
            self.set_state(st)

    def __repr__(self):
        return f"<glassgrad.Generator object at {hex(id(self))}>"


default_generator = Generator()
# NOTE: like PyTorch's, the default generator starts from a seed of the operating system's, not DEFAULT_SEED (which
# only new Generator objects start from): an unseeded script draws different numbers on each run
default_generator._seed = int.from_bytes(os.urandom(8), "little")
