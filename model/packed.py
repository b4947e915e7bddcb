"""The melody model's one-token step with its weights repacked for decoding (see model.engine).

``MelodyLSTM.step`` computes the same function; this copy does it in fewer, cheaper operations:

- the embedding and the first layer's input weights are folded into one table (token -> input gates, both biases
  included), so layer 0 costs a row lookup and one matrix product;
- each later layer multiplies ``[x, h]`` by its two weight matrices stacked, with the biases summed;
- the gates are reordered to (input, forget, output, cell) and the cell gate's weights doubled, so a single
  ``sigmoid`` over all four gates gives ``tanh(g) = 2 * sigmoid(2g) - 1`` too (``tanh`` is several times slower
  than ``sigmoid`` on this CPU), and ``tanh(c)`` is computed the same way;
- ``precision`` "int8" stores the recurrent and stacked weights as 7-bit integers with a scale per output and
  quantizes the activations (``h`` lies in (-1, 1)) with a fixed scale, so the product is exact integer arithmetic
  (model.int8, by the fastest kernel on this CPU): a row's result never depends on the other rows of the batch, nor
  on the CPU. On a CPU the output layer is int8 the same way (at 64 rows its float32 product was 41 of a 316 us
  step, int8 15 us, where torch's int8 product is fast); "bf16" stores the layers' weights as bfloat16 (for GPUs).

The state layout is ``MelodyLSTM``'s, ``(h, c)`` each ``(layers, batch, hidden)``, so ``MelodyLSTM.prefill`` states
continue here.
"""

from __future__ import annotations

import torch

from model.int8 import Q_MAX, Int8Weights, fastest_kernel, quantize
from model.lstm import MelodyLSTM, State

PRECISIONS = ("fp32", "bf16", "int8")


def _gate_order(w: torch.Tensor, hidden: int) -> torch.Tensor:
    """PyTorch's (i, f, g, o) gate rows -> (i, f, o, 2g) along dim 0."""
    i, f, g, o = w.split(hidden, 0)
    return torch.cat([i, f, o, 2 * g], 0)


class PackedLSTM:
    """``MelodyLSTM.step`` with repacked weights; ``step(tokens, state) -> (logits, state)``, inference only."""

    def __init__(self, model: MelodyLSTM, precision: str = "fp32", kernel: str | None = None) -> None:
        """``kernel``: the int8 product (model.int8.KERNELS; default the fastest on this CPU, ``_int_mm`` on CUDA)."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        lstm = model.lstm
        self.precision = precision
        self.hidden = h = lstm.hidden_size
        self.layers = lstm.num_layers
        self.device = model.head.weight.device
        with torch.no_grad():
            p = {name: t.detach().double() for name, t in lstm.named_parameters()}
            embed = model.embed.weight.detach().double()
            table = embed @ p["weight_ih_l0"].t() + p["bias_ih_l0"] + p["bias_hh_l0"]  # (V, 4H)
            self.table = _gate_order(table.t(), h).t().float().contiguous()
            weights = [_gate_order(p["weight_hh_l0"], h).t()]  # layer 0: (H, 4H)
            self.biases: list[torch.Tensor] = []
            for layer in range(1, self.layers):
                stacked = torch.cat([p[f"weight_ih_l{layer}"], p[f"weight_hh_l{layer}"]], 1)  # (4H, 2H)
                weights.append(_gate_order(stacked, h).t())
                self.biases.append(_gate_order(p[f"bias_ih_l{layer}"] + p[f"bias_hh_l{layer}"], h).float())
            head = model.head.weight.detach().double().t()  # (H, V)
            self.vocab_size = head.size(1)
            self.head_b = model.head.bias.detach().float().clone()
            self.head_w = head.float().contiguous()
            self.head_scale: torch.Tensor | None = None
            self.kernel = None if precision != "int8" else kernel or (
                fastest_kernel() if self.device.type == "cpu" else "int_mm")
            if self.kernel is not None and self.device.type == "cpu":  # CUDA's int8 product wants widths of 8k
                q, scale = quantize(head)  # fbgemm costs 29 us at one row here, float 5 us: the same integers
                self.head_i8 = Int8Weights(q, "int_mm" if self.kernel == "int_mm" else "float")
                self.head_scale = scale / Q_MAX
            self.weights: list[torch.Tensor | Int8Weights] = []
            self.scales: list[torch.Tensor] = []
            for w in weights:
                if self.kernel is not None:
                    q, scale = quantize(w)
                    self.weights.append(Int8Weights(q, self.kernel))
                    self.scales.append(scale / Q_MAX)
                elif precision == "bf16":
                    self.weights.append(w.to(torch.bfloat16).contiguous())
                else:
                    self.weights.append(w.float().contiguous())

    def _mm(self, layer: int, x: torch.Tensor, into: torch.Tensor) -> torch.Tensor:
        """``into + x @ W[layer]`` in the packed precision (fp32 result)."""
        w = self.weights[layer]
        if isinstance(w, Int8Weights):
            return torch.addcmul(into, w(x.mul(Q_MAX).round_()), self.scales[layer])
        if self.precision == "bf16":
            return torch.mm(x.to(torch.bfloat16), w).float().add_(into)
        return torch.addmm(into, x, w)

    def _cell(self, gates: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.hidden
        s = torch.sigmoid(gates)  # i, f, o, sigmoid(2g)
        i, o = s[:, :h], s[:, 2 * h:3 * h]
        c = torch.addcmul(torch.sub(s[:, h:2 * h] * c, i), i, s[:, 3 * h:], value=2)  # f*c + i*(2 sigmoid(2g) - 1)
        return torch.addcmul(-o, o, torch.sigmoid(c * 2), value=2), c  # o * tanh(c) = o * (2 sigmoid(2c) - 1)

    def step(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """tokens (B,) -> logits (B, V) and the new state, as ``MelodyLSTM.step``."""
        h0, c0 = state
        x, c = self._cell(self._mm(0, h0[0], self.table.index_select(0, tokens)), c0[0])
        hs, cs = [x], [c]
        for layer in range(1, self.layers):
            gates = self._mm(layer, torch.cat([x, h0[layer]], 1), self.biases[layer - 1])
            x, c = self._cell(gates, c0[layer])
            hs.append(x)
            cs.append(c)
        return self._head(x), (torch.stack(hs), torch.stack(cs))

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer: the last layer's ``h`` -> logits (B, V)."""
        if self.head_scale is None:
            return torch.addmm(self.head_b, x, self.head_w)
        return torch.addcmul(self.head_b, self.head_i8(x.mul(Q_MAX).round_()), self.head_scale)

    def prefill(self, prompts: list[list[int]], start: tuple[torch.Tensor, State] | None = None,
                ) -> tuple[torch.Tensor, State]:
        """As ``MelodyLSTM.prefill`` (the last logits and the states after each prompt), one ``step`` per position:
        far cheaper than ``nn.LSTM`` for short prompts, and a row's result never depends on the others.

        ``start``: (logits, state) the rows begin from, as a prefill of what came before their prompts left them
        (a row whose prompt is empty returns its start); None: the model's zero state."""
        n, length = len(prompts), max(len(p) for p in prompts)
        lengths = torch.tensor([len(p) for p in prompts], device=self.device)
        tokens = torch.zeros(n, length, dtype=torch.long)
        for i, p in enumerate(prompts):
            tokens[i, : len(p)] = torch.tensor(p, dtype=torch.long)
        tokens = tokens.to(self.device)
        if start is None:
            zeros = torch.zeros(self.layers, n, self.hidden, device=self.device)
            last, state = torch.zeros(n, self.vocab_size, device=self.device), (zeros, zeros.clone())
        else:
            last, state = start
        ragged = bool((lengths != length).any())
        for t in range(length):
            logits, new = self.step(tokens[:, t], state)
            if ragged:  # a row whose prompt has ended keeps its state and its last logits
                going = (lengths > t)[None, :, None]
                state = (torch.where(going, new[0], state[0]), torch.where(going, new[1], state[1]))
                last = torch.where((lengths == t + 1)[:, None], logits, last)
            else:
                state, last = new, logits
        return last, state
