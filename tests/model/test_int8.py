from pathlib import Path

import pytest
import torch

from model import int8
from model.int8 import KERNELS, Int8Weights, fastest_kernel, quantize
from model.lstm import load_checkpoint
from model.packed import PackedLSTM


def available(kernel: str) -> bool:
    try:
        Int8Weights(torch.ones(4, 4, dtype=torch.int8), kernel)(torch.ones(2, 4))
    except (RuntimeError, NotImplementedError, AttributeError):
        return False
    return True


HERE = [k for k in KERNELS if available(k)]


def test_the_float_kernel_is_always_there():
    assert "float" in HERE


@pytest.mark.parametrize("kernel", HERE)
def test_every_kernel_computes_the_exact_integers(kernel):
    """Extreme activations and weights too: where AVX2 sums pairs of 8-bit products in 16 bits, 7-bit weights keep
    it from saturating, and float32 sums of these integers stay exact."""
    torch.manual_seed(0)
    w = torch.randint(-63, 64, (512, 1024), dtype=torch.int8)
    w[:, :8] = 63
    w[:, 8:16] = -63
    q = torch.randint(-127, 128, (37, 512)).float()
    q[0], q[1] = 127.0, -127.0
    expected = (q.long() @ w.long()).float()
    assert torch.equal(Int8Weights(w, kernel)(q), expected)


def test_weights_are_quantized_to_7_bits_per_output():
    w = torch.randn(64, 32)
    q, scale = quantize(w)
    assert q.abs().max() == 63 and (q.abs().amax(0) == 63).all()
    assert torch.allclose(q.float() * scale, w, atol=float(scale.max()) / 2 + 1e-6)


def test_the_same_step_on_every_kernel_and_in_any_batch():
    """The shipped model's int8 step gives the same logits and state whichever kernel this CPU chose and whatever
    else is in the batch: the same seed writes the same melody on every machine, alone or in a crowd."""
    model = load_checkpoint(Path("model/checkpoints/melody.pt"))[0]
    torch.manual_seed(1)
    tokens = torch.randint(0, model.head.out_features, (24,))
    state = (torch.rand(2, 24, 256) * 2 - 1, torch.randn(2, 24, 256))
    results = []
    with torch.inference_mode():
        for kernel in HERE:
            packed = PackedLSTM(model, "int8", kernel=kernel)
            logits, (h, c) = packed.step(tokens, state)
            row, (h5, _) = packed.step(tokens[5:6], (state[0][:, 5:6].contiguous(), state[1][:, 5:6].contiguous()))
            assert torch.equal(row[0], logits[5]) and torch.equal(h5[:, 0], h[:, 5])
            results.append((logits, h, c))
    for other in results[1:]:
        assert all(torch.equal(a, b) for a, b in zip(results[0], other, strict=True))


def test_a_kernel_torch_lacks_is_passed_over(monkeypatch):
    def missing(*args):
        raise RuntimeError("no int8 kernel")

    monkeypatch.setattr(torch, "_int_mm", missing)
    monkeypatch.setattr(int8, "_prepack", missing)
    fastest_kernel.cache_clear()
    try:
        assert fastest_kernel() == "float"
    finally:
        monkeypatch.undo()
        fastest_kernel.cache_clear()
