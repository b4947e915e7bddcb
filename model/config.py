"""Model and training configuration, with the reasons for each default."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"  # the trained models shipped with the package
MELODY_CHECKPOINT = CHECKPOINTS / "melody.pt"
LYRICS_CHECKPOINT = CHECKPOINTS / "lyrics.pt"


@dataclass(frozen=True)
class LSTMConfig:
    """Embedding -> LSTM -> Linear.

    The default (2 x 256) is the largest that trains on the full folk corpus (~1.8M tokens)
    in about a minute per epoch on a 2-core CPU and still fits a few MB; it beats the
    article's 1 x 128 `seed` preset on held-out NLL (see model/checkpoints/REPORT.md).
    """

    embed: int = 128
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.2  # between LSTM layers and before the head; the corpus is small

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS: dict[str, LSTMConfig] = {
    "seed": LSTMConfig(embed=128, hidden=128, layers=1, dropout=0.0),  # the article's model
    "default": LSTMConfig(),
}


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; windows of ``window`` tokens keep long tunes cheap."""

    batch_size: int = 64
    window: int = 384  # tokens per training example (controls are repeated in each window)
    lr: float = 3e-3
    weight_decay: float = 0.0
    max_epochs: int = 30
    patience: int = 3  # epochs without validation improvement before stopping
    clip: float = 1.0
    seed: int = 1234
    extra: dict = field(default_factory=dict)
    lr_patience: int = 0  # epochs without improvement before the learning rate is halved


@dataclass(frozen=True)
class LyricTrainConfig:
    """The lyric model's optimisation settings; the corpus is small, so epochs are short and patience is the
    stopping rule."""

    batch_size: int = 32
    chunk_lines: int = 8  # lines per example: longer stanzas (Milton's verse paragraphs) are cut
    min_count: int = 2  # rarer words are <unk>: half the vocabulary, 6% of the tokens
    lr: float = 3e-3
    weight_decay: float = 0.1  # AdamW's decoupled decay: with dropout 0.6, the sweep's best
    max_epochs: int = 60
    patience: int = 5
    clip: float = 0.5
    seed: int = 1234
    lr_patience: int = 1
