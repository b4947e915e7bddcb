"""A request in the melody engine, and the rows of a batch that its grammar object decodes in Python.

A plain ``MelodyGrammar`` is decoded by tables (``model.batch_grammar``) and given its tokens when it finishes
(``replay``); any other grammar (the ``Grammar`` protocol) chooses each token in Python: ``python_choices`` gathers
its forced tokens, masks, leans and draws into a ``Splice`` for the batched step, and ``python_accept`` gives it the
token chosen.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import torch

from model.decode import Decoder, Splice


class Grammar(Protocol):
    """What the engine needs from a request's decoding state (see model.sample.MelodyGrammar).

    A grammar may also have ``bias() -> Tensor | None``: scores added to the model's before sampling.
    """

    prompt: list[int]

    @property
    def done(self) -> bool: ...

    def forced(self) -> int | None: ...

    def allowed(self) -> torch.Tensor: ...

    def accept(self, token: int) -> None: ...


MAX_STEPS = 4096  # tokens a request may take before it fails ("did not finish in time")


@dataclass
class Job:
    """One request in the engine: its grammar, its randomness and sampling settings, and its answer."""

    grammar: Grammar
    generator: torch.Generator
    temperature: float
    top_p: float
    future: Future = field(default_factory=Future)
    max_steps: int = MAX_STEPS
    steps: int = 0
    key: tuple | None = None  # its configuration, when decoded by tables (None: decoded in Python)
    new: bool = False  # a new request, not the next part of one admitted (counted by the engine's ``busy``)


def python_choices(decoder: Decoder, active: list[Job], generic: list[int]) -> tuple[Splice, dict[int, Exception]]:
    """The generic rows' forced tokens, masks with leans, and draws, from their grammars (as one request
    would be decoded alone); a grammar that raises fails its request alone (its row is forced padding)."""
    assert decoder.rows is not None
    logits = decoder.rows.logits.index_select(0, torch.tensor(generic, device=decoder.device)).cpu()
    n, vocab = logits.shape
    finite = torch.isfinite(logits).all(-1).tolist()
    add = torch.zeros(n, vocab)
    uniform = torch.zeros(n, 1)
    forced = torch.full((n,), -1, dtype=torch.long)
    failed: dict[int, Exception] = {}
    for i, row in enumerate(generic):
        job = active[row]
        try:
            token = job.grammar.forced()
            if token is not None:
                if not 0 <= token < vocab:
                    raise ValueError(f"the grammar forced token {token}, outside the vocabulary")
                forced[i] = token  # e.g. a bar line: fed to the model, not a choice
                continue
            if not finite[i]:
                raise FloatingPointError("The model's scores for this request are not finite (NaN or inf).")
            allowed = job.grammar.allowed()
            bias = getattr(job.grammar, "bias", None)
            lean = bias() if bias is not None else None
            add[i] = (torch.zeros(vocab) if lean is None else lean).masked_fill(~allowed, float("-inf"))
            uniform[i] = torch.rand(1, generator=job.generator)
        except Exception as exc:  # noqa: BLE001 - one bad request fails alone
            failed[row] = exc
            forced[i] = 0
    dev = decoder.device
    return Splice(torch.tensor(generic, device=dev), add.to(dev), uniform.to(dev), forced.to(dev)), failed


def python_accept(job: Job, token: int, splice: Splice, i: int) -> bool:
    """Record a generic row's token in its grammar; True when the request is answered (done or failed)."""
    if int(splice.forced[i]) < 0:
        if not bool(splice.add[i, token] > float("-inf")):
            raise ValueError(f"sampled token {token}, which the grammar does not allow")
        job.grammar.accept(token)
    job.steps += 1
    if job.grammar.done:
        job.future.set_result(job.grammar)
        return True
    if job.steps >= job.max_steps:
        job.future.set_exception(RuntimeError("The melody did not finish in time."))
        return True
    return False


def replay(job: Job, tokens: list[int]) -> None:
    """Give a table row's tokens to its grammar as the engine would have one by one (forced bar lines taken,
    the others accepted), so the caller finds exactly the state decoding it alone in Python leaves."""
    grammar = job.grammar
    for token in tokens:
        forced = grammar.forced()
        if forced is None:
            grammar.accept(token)
        elif forced != token:
            raise RuntimeError(f"internal error: the batched decoder fed {token} where {forced} was due")
        job.steps += 1
        if grammar.done:
            return
    raise RuntimeError("internal error: the batched decoder stopped before the melody was done")
