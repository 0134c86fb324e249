"""glassgrad.optim: PyTorch's torch.optim optimizers and learning-rate schedulers.

>>> import glassgrad as torch
>>> from glassgrad import optim
>>> w = torch.tensor([1., -1.], requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> (w * w).sum().backward()
>>> opt.step(); sched.step()
>>> w
tensor([ 0.9000, -0.9000], requires_grad=True)
>>> sched.get_last_lr()
[0.05]
"""
from .optimizer import Optimizer, register_optimizer_step_post_hook, register_optimizer_step_pre_hook
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adadelta import Adadelta
from .lbfgs import LBFGS
from .sparse_adam import SparseAdam
from .._lazy import lazy_attributes as _lazy_attributes

# NOTE: the schedulers are imported on first use of optim.lr_scheduler: they are half of `import glassgrad.optim`
__getattr__, __dir__ = _lazy_attributes(__name__, {"lr_scheduler": (".lr_scheduler", None)})

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam", "Optimizer", "RAdam", "RMSprop",
           "SGD", "SparseAdam", "lr_scheduler"]
