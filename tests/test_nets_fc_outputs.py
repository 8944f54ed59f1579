"""The batched fully connected forward (nets.models.fc_outputs, points last) is the same function
as vmap(functional_call) of the module: outputs and gradients, with and without biases, both
activations, scalar and vector outputs, both precisions."""
import itertools

import pytest
import torch
from torch.func import functional_call, vmap

from nets.models import FC, Flat, fc_outputs


@pytest.mark.parametrize("bias,act,outputs,dtype", list(itertools.product(
    [False, True], ["relu", "tanh"], [1, 10], [torch.float32, torch.float64])))
def test_fc_outputs_equal_vmapped_module(bias, act, outputs, dtype):
    torch.manual_seed(0)
    model = FC(7, 5, 3, act, bias, outputs)
    flat = Flat(model)
    W = torch.randn(4, flat.n, dtype=dtype, requires_grad=True)
    X = torch.randn(4, 30, 7, dtype=dtype)
    ref = vmap(lambda w, x: functional_call(model, flat.unflatten(w), (x,)))(W, X)
    got = fc_outputs(model, flat)(W, X)
    assert got.shape == ref.shape
    eps = 1e-5 if dtype == torch.float32 else 1e-12       # round-off of the two summation orders
    torch.testing.assert_close(got, ref, rtol=eps, atol=eps * float(ref.abs().max()))
    g_ref, = torch.autograd.grad((ref ** 2).sum(), W)
    g_got, = torch.autograd.grad((got ** 2).sum(), W)
    torch.testing.assert_close(g_got, g_ref, rtol=10 * eps, atol=10 * eps * float(g_ref.abs().max()))


def test_fc_outputs_sees_every_weight():
    """Changing any one weight changes the outputs (no slice of the flat vector is skipped)."""
    torch.manual_seed(1)
    model = FC(4, 3, 2, "tanh", True, 1)
    flat = Flat(model)
    f = fc_outputs(model, flat)
    W = torch.randn(1, flat.n, dtype=torch.float64)
    X = torch.randn(1, 20, 4, dtype=torch.float64)
    base = f(W, X)
    for i in range(flat.n):
        W2 = W.clone()
        W2[0, i] += 0.1
        assert not torch.allclose(f(W2, X), base)
