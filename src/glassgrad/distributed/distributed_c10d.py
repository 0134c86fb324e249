"""The process group and the collectives, for one process: `init_process_group` with world_size 1 really
initializes (gloo, by env:// , tcp:// or file:// rendezvous, which only check their parameters: there is no one
to meet), and every collective is what it is across one rank, in place as in PyTorch (all_reduce leaves the
tensor as it is, AVG divides it by 1, all_gather copies the input into the one output).

More than one process is not implemented: init_process_group with world_size > 1 raises NotImplementedError.
NCCL is not built into PyTorch's CPU build and is refused as there, except under CUDA emulation
(glassgrad.device.emulate_cuda), where scripts written for GPUs run unchanged and ask for it.
"""
import datetime
import os
import pickle
import warnings

from ..device import is_cuda_emulated

__all__ = ["is_available", "is_initialized", "is_gloo_available", "is_nccl_available", "is_mpi_available",
           "is_ucc_available", "is_xccl_available", "is_torchelastic_launched", "init_process_group",
           "destroy_process_group", "get_rank", "get_world_size", "get_backend", "get_process_group_ranks",
           "get_global_rank", "get_group_rank", "get_node_local_rank", "new_group", "barrier", "monitored_barrier",
           "all_reduce", "broadcast", "reduce", "all_gather", "gather", "scatter", "all_gather_object",
           "broadcast_object_list", "Backend", "ReduceOp", "ProcessGroup", "GroupMember", "group", "Work"]

MSG_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
_BACKENDS = ("undefined", "gloo", "nccl", "xccl", "ucc", "mpi", "fake")


def is_available():
    return True


def is_gloo_available():
    return True


def is_nccl_available():
    return False


def is_mpi_available():
    return False


def is_ucc_available():
    return False


def is_xccl_available():
    return False


def is_torchelastic_launched():
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


class Backend(str):
    """A backend name, lower-cased ("GLOO" -> "gloo"); the known names are class attributes."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    XCCL = "xccl"
    UCC = "ucc"
    MPI = "mpi"
    backend_list = list(_BACKENDS)

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError("Backend constructor parameter must be string-ish")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.UNDEFINED:
            value = name.lower()
        return value


class _RedOpType(int):
    """A reduction's enum member: an int (the number PyTorch gives it) with a name."""

    def __new__(cls, name, value):
        self = super().__new__(cls, value)
        self.name = name
        return self

    @property
    def value(self):
        return int(self)

    def __repr__(self):
        return f"<RedOpType.{self.name}: {int(self)}>"

    __str__ = __repr__


class ReduceOp:
    """The reductions of all_reduce and reduce: ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR."""
    class RedOpType:
        pass

    def __init__(self, op):
        self.op = op


for _i, _name in enumerate(("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM")):
    setattr(ReduceOp, _name, _RedOpType(_name, _i))
    setattr(ReduceOp.RedOpType, _name, getattr(ReduceOp, _name))
ReduceOp.RedOpType.__members__ = {n: getattr(ReduceOp, n) for n in vars(ReduceOp.RedOpType) if n.isupper()}
del _i, _name


class ProcessGroup:
    """A group of ranks: here always the one process, rank 0 of 1."""

    def __init__(self, backend):
        self._backend = backend

    def rank(self):
        return 0

    def size(self):
        return 1

    def name(self):
        return self._backend


class Work:
    """What an async_op collective returns: the work is already done."""

    def __init__(self, tensors):
        self._tensors = tensors

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True

    def result(self):
        return list(self._tensors)


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = -100


class group:
    WORLD = None


_world = None  # the default ProcessGroup once initialized


def _set_world(pg):
    global _world
    _world = GroupMember.WORLD = group.WORLD = pg


def is_initialized():
    return _world is not None


def _default_group():
    if _world is None:
        raise ValueError(MSG_NOT_INITIALIZED)
    return _world


def _group(g):
    if g is None:
        return _default_group()
    _default_group()
    return g


# ---- init and teardown -----------------------------------------------------------------------------------------
def _backend_names(backend):
    """The backends named by `backend` ('gloo', 'NCCL', 'cpu:gloo,cuda:nccl'), after PyTorch's checks."""
    if backend is None:
        return "undefined", []
    spec = str(backend).lower()
    names = [part.split(":", 1)[1] if ":" in part else part for part in spec.split(",")]
    for name in names:
        if name not in ("gloo", "nccl"):
            if ":" not in spec:
                warnings.warn(f"Device capability of {name} unknown, assuming `cpu` and `cuda`. You can specify it "
                              f"in `device:backend` format in `init_process_group` call.", UserWarning, stacklevel=3)
            raise AssertionError(f"Unknown backend type {name}")
    return spec, names


def _rendezvous(init_method, rank, world_size):
    """(rank, world_size) from the init method and the arguments, checked as PyTorch's rendezvous handlers do."""
    scheme = init_method.split("://", 1)[0] if "://" in init_method else None
    if scheme == "env":
        def need(name):
            value = os.environ.get(name)
            if value is None:
                raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment "
                                 f"variable {name} expected, but not set")
            return value
        rank = int(need("RANK")) if rank == -1 else rank
        world_size = int(need("WORLD_SIZE")) if world_size == -1 else world_size
        need("MASTER_ADDR")
        int(need("MASTER_PORT"))
        return rank, world_size
    if scheme in ("tcp", "file"):
        query = dict(p.split("=", 1) for p in init_method.partition("?")[2].split("&") if "=" in p)
        rank = int(query.get("rank", rank))
        world_size = int(query.get("world_size", world_size))
        if rank < 0:
            raise ValueError(f"Error initializing torch.distributed using {scheme}:// rendezvous: rank parameter "
                             f"missing")
        if world_size < 0:
            raise ValueError(f"Error initializing torch.distributed using {scheme}:// rendezvous: world size "
                             f"parameter missing")
        if world_size == 0 and scheme == "tcp":
            raise ValueError("TCPStore world size cannot be 0")
        return rank, world_size
    raise RuntimeError(f"No rendezvous handler for {init_method.split('://')[0]}://")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Initializes the default process group of a single-process job (world_size 1, rank 0)."""
    if _world is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {timeout}")
    if timeout is None and str(backend).lower() == "nccl" and not is_cuda_emulated():
        warnings.warn("Attempted to get default timeout for nccl backend, but NCCL support is not compiled",
                      UserWarning, stacklevel=2)
    if store is None:
        rank, world_size = _rendezvous("env://" if init_method is None else init_method, rank, world_size)
    elif rank < 0 or world_size <= 0:
        raise ValueError("world_size and rank must be specified when store is given")
    if world_size > 1:
        raise NotImplementedError(
            f"torch.distributed.init_process_group with world_size={world_size}: glassgrad does not implement "
            f"distributed training across processes; it runs one process (world_size=1, rank 0)")
    if world_size == 0:
        raise ValueError("world_size must be positive")
    if rank != 0:
        # NOTE: PyTorch would wait for a rank 0 that never comes and time out; there is only one rank here
        raise ValueError(f"rank {rank} is out of range for world_size 1: the only rank is 0")
    spec, names = _backend_names(backend)
    if "nccl" in names and not is_cuda_emulated():
        raise RuntimeError("Distributed package doesn't have NCCL built in")
    _set_world(ProcessGroup(spec))


def destroy_process_group(group=None):
    if _world is None:
        raise AssertionError("Process group cannot be None")
    if group is None or group is _world:
        _set_world(None)


def get_rank(group=None):
    _group(group)
    return 0


def get_world_size(group=None):
    return _group(group).size()


def get_backend(group=None):
    return _group(group)._backend


def get_process_group_ranks(group):
    return [0]


def get_global_rank(group, group_rank):
    return group_rank


def get_group_rank(group, global_rank):
    return global_rank


def get_node_local_rank(fallback_rank=None):
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
                       "`get_node_local_rank` to work, assuming you are not running in a multi-device context and "
                       "want the code to run locally instead.")


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    return ProcessGroup(_default_group()._backend if backend is None else Backend(backend))


# ---- collectives across one rank -------------------------------------------------------------------------------
def _type_repr(value):
    from ..tensor import Tensor
    return "<class 'torch.Tensor'>" if isinstance(value, Tensor) else repr(type(value))


def _check_tensor(value, param="tensor"):
    from ..tensor import Tensor
    if not isinstance(value, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{param}` of type torch.Tensor\n"
                        f"             but got {_type_repr(value)} instead.")


def _check_tensor_list(value, param):
    from ..tensor import Tensor
    if not isinstance(value, list) or not all(isinstance(t, Tensor) for t in value):
        raise TypeError(f"Invalid function argument. Expected parameter `{param}` of type List[torch.Tensor]\n"
                        f"             but got {_type_repr(value)} instead.")


def _done(async_op, tensors):
    return Work(tensors) if async_op else None


def _who(pg):
    return "ProcessGroupNCCL" if "nccl" in str(pg._backend) and "gloo" not in str(pg._backend) else \
        "ProcessGroupGloo"


def _check_root(pg, op, root):
    if root != 0:
        raise RuntimeError(f"{_who(pg)}::{op}: invalid root rank: {root}")


def _reduce_in_place(tensor, op):
    """The reduction of one rank's tensor: itself, except AVG (divided by the world size, 1, in place as in
    PyTorch: a version bump and, on a non-leaf, a DivBackward1) and the bitwise ops' dtype check."""
    if not isinstance(op, _RedOpType):
        raise TypeError("(): incompatible function arguments. The following argument types are supported:\n"
                        "    1. (self: torch._C._distributed_c10d.AllreduceOptions, arg0: "
                        f"torch._C._distributed_c10d.ReduceOp) -> None\n\nInvoked with: "
                        f"<torch.distributed.distributed_c10d.AllreduceOptions object at {id(op):#x}>, {op!r}")
    if op.name in ("BAND", "BOR", "BXOR") and tensor.is_floating_point():
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype")
    if op.name == "AVG":
        tensor.div_(1)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    _check_tensor(tensor)
    _group(group)
    _reduce_in_place(tensor, op)
    return _done(async_op, [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    _check_tensor(tensor)
    pg = _group(group)
    _check_root(pg, "reduce", group_dst if dst is None else dst)
    _reduce_in_place(tensor, op)
    return _done(async_op, [tensor])


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    _check_tensor(tensor)
    pg = _group(group)
    _check_root(pg, "broadcast", group_src if src is None else src)
    return _done(async_op, [tensor])


def _check_same_dtype(a, b):
    if a.dtype != b.dtype:
        raise ValueError(f"Invalid usage of tensors with different dtypesFound {a.dtype} and  {b.dtype}")


def _copy_into(out, src):
    # NOTE: an ordinary in-place copy of the detached input: the output's version moves, a leaf that requires grad
    # is refused, and no graph links the output to the input (collectives are not differentiable)
    out.copy_(src.detach())


def all_gather(tensor_list, tensor, group=None, async_op=False):
    _check_tensor_list(tensor_list, "tensor_list")
    _check_tensor(tensor)
    for out in tensor_list:
        _check_same_dtype(out, tensor)
    pg = _group(group)
    if len(tensor_list) != 1:
        raise RuntimeError(f"{_who(pg)}::allgather: invalid output tensor list at index 0 (expected length 1, got "
                           f"{len(tensor_list)})")
    _check_size(pg, "allgather", tensor_list[0], tensor)
    _copy_into(tensor_list[0], tensor)
    return _done(async_op, tensor_list)


def _check_size(pg, op, out, src):
    if tuple(out.shape) != tuple(src.shape):
        def fmt(shape):
            return "(" + ", ".join(str(n) for n in shape) + ")"
        raise RuntimeError(f"{_who(pg)}::{op}: invalid tensor size at index 0 (expected {fmt(src.shape)}, got "
                           f"{fmt(out.shape)})")


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    _check_tensor(tensor)
    if gather_list is not None:
        _check_tensor_list(gather_list, "gather_list")
        for out in gather_list:
            _check_same_dtype(tensor, out)
    pg = _group(group)
    root = group_dst if dst is None else dst
    root = 0 if root is None else root
    if root != 0:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        _check_root(pg, "gather", root)
    if not gather_list:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if len(gather_list) != 1:
        raise RuntimeError(f"{_who(pg)}::gather: Incorrect output list size {len(gather_list)}. Output list size "
                           f"should be 1, same as size of the process group.")
    _check_size(pg, "gather", gather_list[0], tensor)
    _copy_into(gather_list[0], tensor)
    return _done(async_op, gather_list)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    _check_tensor(tensor)
    if scatter_list is not None:
        _check_tensor_list(scatter_list, "scatter_list")
    pg = _group(group)
    root = group_src if src is None else src
    root = 0 if root is None else root
    if root != 0:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        _check_root(pg, "scatter", root)
    if not scatter_list:
        raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    if len(scatter_list) != 1:
        raise RuntimeError(f"{_who(pg)}::scatter: Incorrect input list size {len(scatter_list)}. Input list size "
                           f"should be 1, same as size of the process group.")
    # NOTE: PyTorch's kernel writes the data without moving the version counter or checking autograd
    tensor._data[...] = scatter_list[0]._data
    return _done(async_op, [tensor])


def barrier(group=None, async_op=False, device_ids=None):
    _group(group)
    return _done(async_op, [])


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    _group(group)


def all_gather_object(object_list, obj, group=None):
    """object_list[0] = a copy of obj (pickled and unpickled, as it would travel between ranks)."""
    _group(group)
    object_list[0] = pickle.loads(pickle.dumps(obj))


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    pg = _group(group)
    _check_root(pg, "broadcast", 0 if src is None and group_src is None else (group_src if src is None else src))
