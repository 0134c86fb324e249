"""L-BFGS, as torch.optim.LBFGS: limited-memory BFGS over all parameters flattened into one vector, with an
optional strong-Wolfe line search.

    >>> import glassgrad as torch
    >>> from glassgrad import optim
    >>> w = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
    >>> opt = optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(3):
    ...     _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]
    >>> opt.state[w]["func_evals"], opt.state[w]["n_iter"]
    (30, 24)

NOTE: every scalar here is computed the way PyTorch computes it: step sizes, curvature products and slopes are
0-d tensors in the parameters' dtype (so float32 problems round where PyTorch rounds), losses are Python floats.
Keeping those types is what makes the iterates, the branch decisions and the closure call counts equal.
"""
from ..autograd.grad_mode import enable_grad, no_grad
from ..ops.creation import zeros
from ..ops.shape import cat
from ..tensor import Tensor
from .optimizer import Optimizer, _to_scalar

__all__ = ["LBFGS"]


def _as_float(loss):
    # NOTE: detached first: PyTorch does not warn about converting a tensor that requires grad under no_grad
    # (step() runs under no_grad); glassgrad's float() warns regardless of the grad mode
    return float(loss.detach() if isinstance(loss, Tensor) else loss)


def _cubic_minimizer(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to `bounds`
    (default: the interval between x1 and x2). Without a real minimiser, the middle of the bounds."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if not disc >= 0:
        return (lo + hi) / 2.0
    d2 = disc.sqrt()
    # measured from the point farther to the right, as the classical formula (Nocedal & Wright, eq. 3.59)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


class _Point:
    """A trial step t along the search direction with its loss f, flat gradient g and slope gtd = g.d."""
    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d satisfying the strong Wolfe conditions (sufficient decrease with constant c1, curvature
    |g(t).d| <= c2 |g(0).d|), found by bracketing then zooming with cubic interpolation (Nocedal & Wright,
    algorithms 3.5 and 3.6, as in minFunc). `evaluate(t)` returns (loss, flat gradient) at x + t d.

    Returns (loss, flat gradient, t, number of evaluations)."""
    d_norm = d.abs().max()
    start = _Point(0, f, g.clone(), gtd)

    def probe(step):
        f_new, g_new = evaluate(step)
        return _Point(step, f_new, g_new, g_new.dot(d))

    def armijo_fails(p):
        return p.f > (f + c1 * p.t * gtd)

    def curvature_holds(p):
        return abs(p.gtd) <= -c2 * gtd

    # ---- bracketing: grow the step until an interval must contain an acceptable point ----
    prev, cur = start, probe(t)
    evals, iters = 1, 0
    bracket, found = None, False
    while iters < max_ls:
        if armijo_fails(cur) or (iters > 1 and cur.f >= prev.f):
            bracket = [prev, _Point(cur.t, cur.f, cur.g.clone(), cur.gtd)]
            break
        if curvature_holds(cur):
            bracket, found = [cur], True
            break
        if cur.gtd >= 0:
            bracket = [prev, _Point(cur.t, cur.f, cur.g.clone(), cur.gtd)]
            break
        # extrapolate: between 1.01 and 10 times the current step
        t_next = _cubic_minimizer(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd,
                                  bounds=(cur.t + 0.01 * (cur.t - prev.t), cur.t * 10))
        prev = _Point(cur.t, cur.f, cur.g.clone(), cur.gtd)
        cur = probe(t_next)
        evals += 1
        iters += 1
    if iters == max_ls:
        # NOTE: out of evaluations: the bracket is [0, t]; its slopes are never read (no zoom follows)
        bracket = [_Point(0, f, start.g, None), _Point(cur.t, cur.f, cur.g, None)]

    # ---- zoom: shrink the bracket, keeping `low` the best point, until one satisfies both conditions ----
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    stalled = False
    while not found and iters < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = _cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t_lo, t_hi = min(a.t, b.t), max(a.t, b.t)
        margin = 0.1 * (t_hi - t_lo)
        if min(t_hi - t, t - t_lo) < margin:
            # too close to an end: once in a row is allowed, twice (or at an end) moves 10% inside the bracket
            if stalled or t >= t_hi or t <= t_lo:
                t = t_hi - margin if abs(t - t_hi) < abs(t - t_lo) else t_lo + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        cur = probe(t)
        evals += 1
        iters += 1
        if armijo_fails(cur) or cur.f >= bracket[low].f:
            bracket[high] = _Point(cur.t, cur.f, cur.g.clone(), cur.gtd)
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if curvature_holds(cur):
                found = True
            elif cur.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = _Point(cur.t, cur.f, cur.g.clone(), cur.gtd)
    best = bracket[low]
    return best.f, best.g, best.t, evals


class LBFGS(Optimizer):
    """L-BFGS (after minFunc). All parameters form one group, flattened into one vector.

    Args:
        params (iterable): the parameters to optimise (one group only).
        lr (float): the step scale. Default: 1
        max_iter (int): iterations per step(). Default: 20
        max_eval (int): loss evaluations per step(). Default: max_iter * 5 // 4
        tolerance_grad (float): stop when the largest gradient entry is at most this. Default: 1e-7
        tolerance_change (float): stop when the loss or the parameters change less than this. Default: 1e-9
        history_size (int): curvature pairs kept. Default: 100
        line_search_fn (str): None (a fixed step) or 'strong_wolfe'.

    step(closure) needs a closure that zeroes the gradients, computes the loss, calls backward and returns it.
    The state (kept on the first parameter, so that load_state_dict casts it) holds func_evals, n_iter, the
    last direction d and step t, the curvature pairs old_dirs/old_stps with ro = 1/(y.s), H_diag, al,
    prev_flat_grad and prev_loss, so that the next step() continues the same iteration.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval, "tolerance_grad": tolerance_grad,
                    "tolerance_change": tolerance_change, "history_size": history_size,
                    "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    # ---- the parameters as one flat vector ----------------------------------------------------------
    def _numel(self):
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self):
        # a parameter without a gradient contributes zeros
        return cat([zeros(p.numel(), dtype=p.dtype) if p.grad is None else p.grad.view(-1)
                    for p in self._params], 0)

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(update[offset:offset + n].view_as(p), alpha=step_size)
            offset += n

    def _clone_param(self):
        return [p.clone() for p in self._params]

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            p.copy_(data)

    def _directional_evaluate(self, closure, x, t, d):
        """(loss, flat gradient) at x + t d; the parameters are put back to x afterwards."""
        self._add_grad(t, d)
        loss = _as_float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    @staticmethod
    def _direction(state, history, flat_grad, d, t, prev_flat_grad, h_diag, history_size):
        """Adds the last step to the curvature `history` (old_dirs, old_stps, ro) and returns -H g by the
        two-loop recursion, with the new scale of the initial inverse Hessian."""
        old_dirs, old_stps, ro = history
        y = flat_grad.sub(prev_flat_grad)
        s = d.mul(t)
        ys = y.dot(s)
        if ys > 1e-10:  # keep the pair only when the curvature is positive (H stays positive definite)
            if len(old_dirs) == history_size:
                del old_dirs[0], old_stps[0], ro[0]
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            h_diag = ys / y.dot(y)
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = flat_grad.neg()
        for i in reversed(range(len(old_dirs))):
            al[i] = old_stps[i].dot(q) * ro[i]
            q.add_(old_dirs[i], alpha=-al[i])
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r.add_(old_stps[i], alpha=al[i] - be_i)
        return r, h_diag

    @no_grad()
    def step(self, closure):
        """Runs up to max_iter L-BFGS iterations; `closure` re-evaluates the model and returns the loss.
        Returns the loss of the first evaluation."""
        if len(self.param_groups) != 1:
            raise AssertionError(f"Expected exactly one param_group, but got {len(self.param_groups)}")
        closure = enable_grad()(closure)
        group = self.param_groups[0]
        lr = _to_scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # NOTE: the state is global, but kept on the first parameter so that load_state_dict casts its tensors
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = _as_float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max() <= tolerance_grad:
            return orig_loss  # already optimal: the state is left as it was

        d, t = state.get("d"), state.get("t")
        history = [state.get("old_dirs"), state.get("old_stps"), state.get("ro")]
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        opt_cond = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            if state["n_iter"] == 1:  # the very first iteration: steepest descent, empty history
                d = flat_grad.neg()
                history, h_diag = [[], [], []], 1
            else:
                d, h_diag = self._direction(state, history, flat_grad, d, t, prev_flat_grad, h_diag, history_size)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # the first step is scaled so that it moves at most lr in the 1-norm of the gradient
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr
            else:
                t = lr

            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction (to within tolerance)
                break

            evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()
                loss, flat_grad, t, evals = _strong_wolfe(
                    lambda step: self._directional_evaluate(closure, x_init, step, d),
                    t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = flat_grad.abs().max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                # NOTE: the last iteration skips the evaluation (in a stochastic setting it would be wasted)
                if n_iter != max_iter:
                    loss = _as_float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = flat_grad.abs().max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if d.mul(t).abs().max() <= tolerance_change:  # the parameters barely moved
                break
            if abs(loss - prev_loss) < tolerance_change:  # the loss barely moved
                break

        # NOTE: written back in this order (the order of the state's keys is PyTorch's), even when no iteration ran
        state["d"], state["t"] = d, t
        state["old_dirs"], state["old_stps"], state["ro"] = history
        state["H_diag"] = h_diag
        state["prev_flat_grad"], state["prev_loss"] = prev_flat_grad, prev_loss
        return orig_loss
