"""glassgrad.explain: the answers name the line that cut tracking, the reason and the fix."""
import warnings

import numpy as np
import pytest

import glassgrad as torch
from glassgrad import nn, optim
from glassgrad.explain.strict import StrictModeError


def _line(marker):
    """The line number in this file of the line that ends with `# <marker>`."""
    with open(__file__) as fh:
        for i, text in enumerate(fh, 1):
            if text.rstrip().endswith(f"# {marker}"):
                return i
    raise LookupError(marker)


def test_explain_walks_back_to_the_detach():
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    detached_a = a.detach()  # DETACH
    c = detached_a * 2  # USE
    e = torch.explain(c)
    assert e.requires_grad is False
    assert f"line {_line('USE')}" in e.text and f"line {_line('DETACH')}" in e.text
    assert "`a.detach()`" in e.text and "`a` still requires grad" in e.text
    assert "Use `a` instead of `detached_a`" in e.text
    assert e.findings[0].kind == "detach" and e.findings[0].site.line == _line("DETACH")
    assert c.explain().text == e.text.replace("`c`", "`c`")


def test_explain_of_a_tracked_tensor_names_its_leaves():
    w = torch.randn(3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    y = w * 2 + b
    e = torch.explain(y)
    assert e.requires_grad is True and "MulBackward0" not in e.text and "AddBackward0" in e.text
    assert "`w`" in e.text and "`b`" in e.text


@pytest.mark.parametrize("make, kind", [
    (lambda a: a.data * 2, "data_get"),
    (lambda a: a.argmax().float(), "non_differentiable"),
    (lambda a: (a * 2).long().float(), "integer_cast"),
])
def test_each_cut_is_named(make, kind):
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    out = make(a)
    e = torch.explain(out, name="out")
    assert e.findings and e.findings[0].kind == kind, e.text


def test_no_grad_cut_names_the_mode():
    a = torch.tensor([1., 2.], requires_grad=True)
    with torch.no_grad():
        b = a * 2  # NOGRAD
    e = torch.explain(b)
    assert "torch.no_grad()" in e.text and e.findings[0].site.line == _line("NOGRAD")


def test_why_none_unused_and_non_leaf():
    w = torch.randn(3, requires_grad=True)
    v = torch.randn(3, requires_grad=True)  # UNUSED
    u = torch.randn(3, requires_grad=True).double()  # NONLEAF
    (w * u).sum().backward()
    e = torch.explain.why_none(v)
    assert e.findings[0].kind == "unused" and e.findings[0].site.line == _line("UNUSED")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = torch.explain.why_none(u)
    assert e.findings[0].kind == "non_leaf" and e.findings[0].site.line == _line("NONLEAF")
    assert "retain_grad" in e.findings[0].fix


def test_why_zero_names_round():
    x = torch.randn(4, requires_grad=True)
    (x.round() * 3).sum().backward()
    e = torch.explain.why_none(x)
    assert e.findings[0].kind == "zero_gradient_op" and "round" in e.text


def test_errors_keep_pytorch_text_and_add_the_why():
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = x.sigmoid()  # SAVED
    y.mul_(2)  # BUMP
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    msg = str(info.value)
    assert msg.startswith("one of the variables needed for gradient computation has been modified by an inplace")
    assert f"`y.mul_(2)` at line {_line('BUMP')}" in msg and f"line {_line('SAVED')}" in msg
    a = torch.tensor([1., 2.], requires_grad=True)
    d = a.detach()  # CUT
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad") as info:
        (d * 2).sum().backward()
    assert f"line {_line('CUT')}" in str(info.value)
    with pytest.raises(RuntimeError, match="^a leaf Variable") as info:
        a += 1
    assert "torch.no_grad()" in str(info.value)


def test_carried_hidden_state_is_named():
    W = torch.randn(3, 3, requires_grad=True)
    h = torch.zeros(3)
    h = torch.tanh(W @ h + 1)
    h.sum().backward()
    h = torch.tanh(W @ h + 1)
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time") as info:
        h.sum().backward()
    assert "detach" in str(info.value) and "carried" in str(info.value)


def test_flagged_disconnected_loss_warns():
    a = torch.tensor([1., 2.], requires_grad=True)
    loss = (a.detach() * 2).sum()
    loss.requires_grad = True
    with pytest.warns(UserWarning, match="trains nothing"):
        loss.backward()


def test_strict_mode_raises_at_silent_cuts():
    a = torch.tensor([1., 2.], requires_grad=True)
    with torch.explain.strict():
        with pytest.raises(StrictModeError, match=r"\.data"):
            a.data
        with pytest.raises(StrictModeError, match="copies it without history"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.tensor(a)
        with pytest.raises(StrictModeError, match="exported"):
            torch.from_numpy(a.detach().numpy())
        torch.tensor(np.ones(2))  # unrelated data is fine
    assert a.data is not None  # outside: allowed again


def test_grad_report_table_and_problems():
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.extra = [nn.Linear(8, 8)]
            self.unused = nn.Linear(8, 2)
            self.fc2 = nn.Linear(8, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).detach())

    m = Net()
    opt = optim.SGD(list(m.fc2.parameters()) + list(m.fc1.parameters()), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        m(torch.randn(3, 4)).sum().backward()
        opt.step()
    r = torch.explain.grad_report(m, opt)
    status = {row[0]: row[2] for row in r.rows}
    assert status == {"fc1.weight": "None", "fc1.bias": "None", "unused.weight": "None", "unused.bias": "None",
                      "fc2.weight": "ok", "fc2.bias": "ok"}
    kinds = [p.kind for p in r.problems]
    assert "unregistered" in kinds and "not_in_optimizer" in kinds and "never_changed" in kinds
    assert "detach" in dict((row[0], row[4]) for row in r.rows)["fc1.weight"]
    assert "nn.ModuleList" in str(r)


def test_recording_off_keeps_nothing():
    a = torch.tensor([1., 2.], requires_grad=True)
    with torch.explain.recording(False):
        d = a.detach()
    assert torch.explain.record.prov_of(d) is None
    assert torch.explain.record.is_enabled()


def test_recording_holds_no_strong_reference():
    import gc
    import weakref
    a = torch.randn(100, requires_grad=True)
    h = a * 2
    d = h.detach()
    ref_h, ref_fn = weakref.ref(h), weakref.ref(h.grad_fn)
    (d * 2).sum().item()
    del h
    gc.collect()
    assert ref_h() is None and ref_fn() is None


def test_exported_number_links_only_the_same_object():
    w = torch.tensor(0.5, requires_grad=True)
    v = w.item()
    linked = torch.tensor(v)  # LINKED
    literal = torch.tensor(0.5)
    assert torch.explain.record.prov_of(literal) is None
    e = torch.explain(linked)
    assert e.findings and e.findings[0].kind == "scalar"
    with torch.explain.strict():
        torch.tensor([0.5, 1.0])  # equal values from literals are not exports


def test_replaced_parameter_is_named_as_the_stale_tensor():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    old = model.weight
    model.weight = nn.Parameter(model.weight * 0.1)  # REPLACED
    model(torch.randn(2, 3)).sum().backward()
    e = torch.explain.why_none(old, name="old")
    assert e.findings[0].kind == "stale_tensor" and e.findings[0].site.line == _line("REPLACED")
    assert "optimizer" in e.findings[0].fix
    assert opt.param_groups[0]["params"][0] is old


def test_zero_grad_between_backward_and_step_is_named():
    w = torch.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad()  # RESET
    e = torch.explain.why_none(w)
    assert e.findings[0].kind == "grad_reset" and e.findings[0].site.line == _line("RESET")


def test_module_requires_grad_attribute_is_named():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    for p in model.parameters():
        p.requires_grad = False
    model[1].requires_grad = True  # FLAG
    with pytest.raises(RuntimeError, match="^element 0 of tensors") as info:
        model(torch.randn(1, 2)).sum().backward()
    assert f"line {_line('FLAG')}" in str(info.value) and "requires_grad_(True)" in str(info.value)


def test_view_made_under_no_grad_is_explained():
    w = torch.randn(2, 6, requires_grad=True)
    with torch.no_grad():
        a, b = w.split(3, dim=1)
    assert "made under no_grad" in torch.explain(a, name="a").text


def test_reentrant_checkpoint_without_grad_inputs_is_named():
    from glassgrad.utils.checkpoint import checkpoint
    layer = nn.Linear(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = checkpoint(layer, torch.randn(1, 2), use_reentrant=True)  # CKPT
    e = torch.explain(h, name="h")
    assert "reentrant checkpoint" in e.text and "use_reentrant=False" in e.text


def test_detach_inside_an_expression_gets_its_own_fix():
    pred = torch.randn(3, requires_grad=True)
    diff = pred.detach() - 1.0
    assert "Use `pred` instead of `pred.detach()`" in torch.explain(diff, name="diff").text


def test_optimizer_given_a_non_leaf_says_which_copy():
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor") as info:
        w = torch.randn(3, requires_grad=True).double()  # COPY
        optim.SGD([w], lr=0.1)
    assert f"line {_line('COPY')}" in str(info.value) and "`w` is not a leaf" in str(info.value)
