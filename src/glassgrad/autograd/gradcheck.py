"""gradcheck and gradgradcheck: analytical Jacobians against central finite differences."""
import warnings

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(out):
    from ..tensor import Tensor
    return tuple(o for o in _as_tuple(out) if isinstance(o, Tensor) and o.requires_grad)


def _numerical_jacobians(func, inputs, eps):
    """J[i][o] of shape (numel(input i), numel(output o)) by central differences, perturbing in place."""
    from ..tensor import Tensor
    from . import grad_mode
    jac = []
    with grad_mode.no_grad():
        base = [o._data.copy() for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
        for t in inputs:
            if not (isinstance(t, Tensor) and t.requires_grad):
                jac.append(None)
                continue
            flat = t._data.reshape(-1)
            cols = [np.zeros((t._data.size, b.size)) for b in base]
            for k in range(t._data.size):
                orig = flat[k].item()
                flat[k] = orig + eps
                plus = [o._data.astype(np.float64) for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
                flat[k] = orig - eps
                minus = [o._data.astype(np.float64) for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
                flat[k] = orig
                for c, p, m in zip(cols, plus, minus):
                    c[k] = ((p - m) / (2 * eps)).reshape(-1)
            jac.append(cols)
    return jac


def _analytical_jacobians(func, inputs):
    from ..tensor import Tensor, _new
    from .engine import grad as autograd_grad
    from .. import _dtype as D
    outputs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    jac = {id(t): [np.zeros((t._data.size, o._data.size)) for o in outputs] for t in diff_inputs}
    for oi, o in enumerate(outputs):
        if not o.requires_grad:
            continue
        for k in range(o._data.size):
            g = np.zeros(o._data.shape, o._data.dtype)
            g.reshape(-1)[k] = 1
            grads = autograd_grad([o], diff_inputs, [_new(g, o._dtype)], retain_graph=True, allow_unused=True)
            for t, gt in zip(diff_inputs, grads):
                if gt is not None:
                    jac[id(t)][oi][:, k] = gt._data.astype(np.float64).reshape(-1)
    return [jac.get(id(t)) if isinstance(t, Tensor) and t.requires_grad else None for t in inputs]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Checks the gradients of `func` at `inputs` against finite differences; inputs should be float64."""
    from ..tensor import Tensor
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t._dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          f"This check will likely fail if all the inputs are not of double precision floating "
                          f"point or complex. ", UserWarning, stacklevel=2)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    # NOTE: as in PyTorch's gradcheck, an output that does not require grad must have a zero numerical
    # derivative (an index output, or a VJP that forgot to build a graph under create_graph would not)
    differentiable = [o.requires_grad for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
    for i, (num, ana) in enumerate(zip(numerical, analytical)):
        if num is None:
            continue
        for o, (n, a) in enumerate(zip(num, ana)):
            if not differentiable[o]:
                if np.allclose(n, 0, atol=atol):
                    continue
                msg = (f"Output {o} does not require grad, but its numerical derivative with respect to input {i} "
                       f"is not zero:\n{n}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {o} with respect to input {i},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second-order gradients: gradcheck of the first-order gradient function."""
    from ..tensor import Tensor, _new
    from .engine import grad as autograd_grad
    from . import grad_mode
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_new(rng.standard_normal(o._data.shape).astype(o._data.dtype), o._dtype)
                             .requires_grad_() for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_order(*args):
        # NOTE: gradcheck perturbs inputs under no_grad; the first-order gradient still needs its graph.
        with grad_mode.enable_grad():
            ins, gos = args[:n_in], args[n_in:]
            outs = _differentiable_outputs(func(*ins))
            grads = autograd_grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
