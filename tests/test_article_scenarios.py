"""The three scenarios of the article glassgrad answers, as real PyTorch behaves (not as the article says)."""
from difftools import assert_same


def test_inplace_add_on_leaf_that_requires_grad():
    def program(torch):
        a = torch.tensor([1., 2., 3.], requires_grad=True)
        b = torch.tensor([1., 1., 1.])
        a += b
        return a
    assert_same(program)


def test_backward_after_detach():
    def program(torch):
        a = torch.tensor([1., 2., 3.], requires_grad=True)
        detached = a.detach()
        loss = (detached * 2).sum()
        loss.backward()
        return a
    assert_same(program)


def test_numpy_round_trip_then_requires_grad():
    def program(torch):
        a = torch.tensor([1., 2., 3.], requires_grad=True)
        arr = (a * 2).detach().numpy()
        b = torch.from_numpy(arr).requires_grad_(True)
        loss = (b ** 2).sum()
        loss.backward()
        return a, b, b.grad, a.grad
    assert_same(program)


def test_numpy_on_tensor_that_requires_grad():
    def program(torch):
        a = torch.tensor([1., 2., 3.], requires_grad=True)
        return (a * 2).numpy()
    assert_same(program)
