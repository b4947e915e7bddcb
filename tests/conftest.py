"""Shared fixtures: the real shipped checkpoint behind a running engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from studio.lyrics.lyricist import Lyricist
from studio.melody import DEFAULT_CHECKPOINT, Composer


@pytest.fixture(scope="session")
def composer() -> Iterator[Composer]:
    """The shipped model, loaded once for the whole run."""
    composer = Composer.load(DEFAULT_CHECKPOINT)
    yield composer
    composer.close()


@pytest.fixture(scope="session")
def lyricist() -> Lyricist:
    """The shipped lyric model, loaded once for the whole run."""
    return Lyricist.load()
