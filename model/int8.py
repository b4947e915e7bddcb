"""Exact int8 matrix products on a CPU, by whichever kernel is fastest on this machine (see model.packed).

The weights have at most 7 bits (|w| <= 63) and the activations 8 (|q| <= 127), so every kernel computes the same
integers and a row's result never depends on the other rows of its batch or on the CPU it runs on:

- "int_mm": ``torch._int_mm`` (oneDNN): fast with AVX-512 VNNI, 10-50x slower than float32 on AVX2 alone;
- "fbgemm": the quantized linear op with the activations as uint8 around 128 (AVX2 sums pairs of u8 x s8
  products in 16 bits, saturating: 2 x 255 x 63 fits, 2 x 255 x 127 does not, hence the 7-bit weights);
- "float": float32 products of the integer values, exact because every partial sum is an integer below 2^24.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings

import torch

log = logging.getLogger(__name__)

KERNELS = ("int_mm", "fbgemm", "float")
W_MAX = 63  # weight levels: 7 bits (see above)
Q_MAX = 127.0  # activation levels: h in (-1, 1) maps to -127..127
FBGEMM_FROM = 4  # fewer rows take the float kernel (the same integers): a one-row step 252 -> 200 us here


def quantize(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, N) float -> int8 weights in -63..63 and a float scale per output column (symmetric, per channel)."""
    scale = w.abs().amax(0).clamp_min(1e-12) / W_MAX
    return (w / scale).round().clamp(-W_MAX, W_MAX).to(torch.int8), scale.float()


class Int8Weights:
    """(K, N) int8 weights ready for one kernel; calling it with integer-valued activations (B, K) gives the
    integer products (B, N) as float32."""

    def __init__(self, w: torch.Tensor, kernel: str) -> None:
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, not {kernel!r}")
        self.kernel = kernel
        self.packed: object | None = _prepack(w) if kernel == "fbgemm" else None
        if kernel == "int_mm":
            self.w = w.t().contiguous().t()  # K contiguous: faster at batch 1
        else:
            self.w = w.float().contiguous()

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        if self.kernel == "int_mm":
            return torch._int_mm(q.to(torch.int8), self.w).float()
        if self.packed is not None and q.size(0) >= FBGEMM_FROM:
            return torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32(q, 1.0, 128, self.packed)
        return torch.mm(q, self.w)


def _prepack(w: torch.Tensor) -> object:
    """FBGEMM's packed form of (K, N) int8 weights, with unit scales (the caller applies its own)."""
    rows = w.t().contiguous()
    with warnings.catch_warnings():  # quantized tensors are deprecated; torch is pinned (pyproject.toml)
        warnings.simplefilter("ignore")
        qw = torch._make_per_channel_quantized_tensor(rows, torch.ones(rows.size(0), dtype=torch.double),
                                                      torch.zeros(rows.size(0), dtype=torch.long), 0)
        return torch.ops.quantized.linear_prepack(qw, None)


@functools.cache
def fastest_kernel() -> str:
    """The kernel that multiplies a 64-row batch by a 512 x 1024 layer (the step's largest product) fastest here,
    timed once per process (a few ms; ~0.1 s where ``_int_mm`` is slow). A kernel torch lacks is passed over."""
    times = _times()
    best = min(times, key=times.__getitem__)
    log.info("int8 products (64 x 512 x 1024): %s; the engine uses %s",
             ", ".join(f"{k} {t * 1e6:.0f} us" for k, t in times.items()), best)
    return best


def _times(rounds: int = 7) -> dict[str, float]:
    """The shortest time of each kernel (that torch has) for a 64 x 512 x 1024 product, timed in interleaved
    rounds after two warm-up calls each: one burst of load on a shared CPU no longer picks the slower kernel
    (timed one kernel after another, FBGEMM's was picked in 1 of 4 processes on an AVX-512 CPU, 20% slower)."""
    q = torch.randint(-127, 128, (64, 512)).float()
    w, _ = quantize(torch.randn(512, 1024))
    products: dict[str, Int8Weights] = {}
    for kernel in KERNELS:
        try:
            weights = Int8Weights(w, kernel)
            weights(q)
            weights(q)
            products[kernel] = weights
        except (RuntimeError, NotImplementedError, AttributeError) as exc:
            log.info("int8 kernel %s is not available here: %s", kernel, exc)
    best = dict.fromkeys(products, float("inf"))
    for _ in range(rounds):
        for kernel, weights in products.items():
            start = time.perf_counter()
            weights(q)
            best[kernel] = min(best[kernel], time.perf_counter() - start)
    return best
