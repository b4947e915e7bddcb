"""Grammars over the wire: what a bot process and a ``model.worker`` send each other through the job queue.

A job names its grammar's dataclass and constructor fields as JSON-ready data (``encode_grammar``); the worker
builds it again with its own vocabulary (``decode_grammar``), decodes it and sends back the finished state, which the
bot puts into its own grammar object (``apply_state``). Only the project's model/ and data/ dataclasses may be named.
``vocab_digest`` tells whether both sides' tokens mean the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
from typing import Any

import torch

from model.engine import Grammar
from model.vocab import Vocab


def vocab_digest(vocab: Vocab) -> str:
    """A short fingerprint of the token vocabulary: a worker answers only jobs whose tokens mean the same to it."""
    return hashlib.sha256("\n".join(vocab.itos).encode()).hexdigest()[:16]


_MODULES = ("model.", "data.")  # where the dataclasses a job may name live


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, frozenset | set):
        return {"frozenset": sorted(_encode(v) for v in value)}
    if isinstance(value, dict):
        return {"dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, torch.Tensor):
        return {"tensor": value.tolist(), "dtype": str(value.dtype).removeprefix("torch.")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                  if f.init and not isinstance(getattr(value, f.name), Vocab)}
        return {"dataclass": f"{kind.__module__}.{kind.__qualname__}", "fields": fields}
    raise TypeError(f"a {type(value).__name__} cannot be sent to a worker")


def _decode(value: Any, vocab: Vocab) -> Any:
    if isinstance(value, list):
        return [_decode(v, vocab) for v in value]
    if not isinstance(value, dict):
        return value
    if "tuple" in value:
        return tuple(_decode(v, vocab) for v in value["tuple"])
    if "frozenset" in value:
        return frozenset(_decode(v, vocab) for v in value["frozenset"])
    if "dict" in value:
        return {_decode(k, vocab): _decode(v, vocab) for k, v in value["dict"]}
    if "tensor" in value:
        return torch.tensor(value["tensor"], dtype=getattr(torch, value["dtype"]))
    kind = _dataclass(value["dataclass"])
    fields = {name: _decode(v, vocab) for name, v in value["fields"].items()}
    if any(f.name == "vocab" for f in dataclasses.fields(kind)):
        fields["vocab"] = vocab
    return kind(**fields)


def _dataclass(path: str) -> type:
    module, _, name = path.rpartition(".")
    if not module.startswith(_MODULES):
        raise ValueError(f"a job may only name the project's model or data classes, not {path}")
    kind = getattr(importlib.import_module(module), name, None)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise ValueError(f"{path} is not a dataclass")
    return kind


def encode_grammar(grammar: Grammar) -> dict[str, Any]:
    """A fresh grammar (a dataclass such as ``model.sample.MelodyGrammar``) as JSON-ready data: its class and its
    constructor fields, the vocabulary left out (the worker has its own, checked by ``vocab_digest``)."""
    if not dataclasses.is_dataclass(grammar):
        raise TypeError(f"only dataclass grammars can be sent to a worker, not {type(grammar).__name__}")
    return _encode(grammar)


def decode_grammar(data: dict[str, Any], vocab: Vocab) -> Grammar:
    """The grammar ``encode_grammar`` described, built again with ``vocab``."""
    return _decode(data, vocab)


def apply_state(grammar: Grammar, state: dict[str, Any], vocab: Vocab) -> Grammar:
    """Put the finished state a worker sent (``encode_grammar`` of its grammar after decoding: the notes, the tick
    reached, the decoding flags) into the caller's own ``grammar``, which then holds exactly what decoding it
    in-process leaves. Raises RuntimeError when the state is not a finished one of the same grammar class."""
    kind = type(grammar)
    if state.get("dataclass") != f"{kind.__module__}.{kind.__qualname__}":
        raise RuntimeError(f"the worker answered with a {state.get('dataclass')}, not a {kind.__qualname__}")
    names = {f.name for f in dataclasses.fields(grammar) if f.init}
    for name, value in state["fields"].items():
        if name not in names:
            raise RuntimeError(f"the worker's {kind.__qualname__} has a field {name!r} that this one lacks")
        setattr(grammar, name, _decode(value, vocab))
    if not grammar.done:
        raise RuntimeError("the worker's answer ends before this request's melody does")
    return grammar
