"""SparseAdam, as torch.optim.SparseAdam: Adam for sparse gradients (nn.Embedding(sparse=True)).

glassgrad has no sparse tensors, so every gradient is dense and step() refuses it with PyTorch's error; the
constructor checks its options and parameters as PyTorch's does, so code that builds one keeps working.

    >>> import glassgrad as torch
    >>> from glassgrad import optim
    >>> w = torch.zeros(2, requires_grad=True)
    >>> opt = optim.SparseAdam([w], lr=0.1)
    >>> w.sum().backward()
    >>> opt.step()
    Traceback (most recent call last):
    ...
    RuntimeError: SparseAdam does not support dense gradients, please consider Adam instead
"""
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _closure_loss

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Adam whose moments are updated only where the (sparse) gradient has entries.

    Args:
        params (iterable): dense parameters.
        lr (float): learning rate (> 0). Default: 1e-3
        betas (Tuple[float, float]): the moment decay rates. Default: (0.9, 0.999)
        eps (float): added to the denominator (> 0). Default: 1e-8
        maximize (bool): maximise instead of minimise. Default: False
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        # NOTE: strict inequalities here, unlike Adam's: a zero lr or eps is refused
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})
        sparse, complex_ = [], []
        for i, group in enumerate(self.param_groups):
            for j, p in enumerate(group["params"]):
                if p.is_sparse:
                    sparse.append([i, j])
                if p.is_complex():
                    complex_.append([i, j])
        if sparse:
            raise ValueError(f"Sparse params at indices {sparse}: SparseAdam requires dense parameter tensors")
        if complex_:
            raise ValueError(f"Complex params at indices {complex_}: SparseAdam does not support complex "
                             "parameters")

    @no_grad()
    def step(self, closure=None):
        """Evaluates `closure` (if given), then refuses the first parameter with a gradient: glassgrad's
        gradients are always dense."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None and not p.grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        return loss
