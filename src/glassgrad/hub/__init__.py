"""torch.hub: the cache directory works as in PyTorch (get_dir, set_dir, TORCH_HOME, XDG_CACHE_HOME); loading
models or weights from the network raises NotImplementedError, since hub models are PyTorch code and weights
(load the weights yourself with torch.load and a model defined in your script).

    >>> import glassgrad as torch
    >>> torch.hub.get_dir().endswith("hub")
    True
"""
import os

from .._missing import module_getattr as _module_getattr

__all__ = ["get_dir", "set_dir", "list", "help", "load", "download_url_to_file", "load_state_dict_from_url"]

_hub_dir = None


def _torch_home():
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                    "torch")))


def get_dir():
    """The directory hub would cache into: set_dir's, else $TORCH_HOME/hub (~/.cache/torch/hub by default)."""
    return _hub_dir if _hub_dir is not None else os.path.join(_torch_home(), "hub")


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def _refuse(name, what):
    raise NotImplementedError(f"torch.hub.{name} is part of PyTorch's API, but glassgrad does not implement it: "
                              f"glassgrad does not download {what}; download the file yourself, then load it with "
                              f"torch.load")


def list(github, force_reload=False, skip_validation=False, trust_repo=None, verbose=True):  # noqa: A001 - PyTorch's
    _refuse("list", "hub repositories")


def help(github, model, force_reload=False, skip_validation=False, trust_repo=None):  # noqa: A001 - PyTorch's name
    _refuse("help", "hub repositories")


def load(repo_or_dir, model, *args, **kwargs):
    _refuse("load", "hub models (they are PyTorch code)")


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    _refuse("download_url_to_file", "files")


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    _refuse("load_state_dict_from_url", "weights")


__getattr__ = _module_getattr(__name__)
