"""The files of a /melody reply as the bot sends them: names, sizes, the piano roll a musician reads."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from data.audio import TAIL_SECONDS, TARGET_LUFS, audio_loudness, audio_stats
from data.events import Key, Melody, Meter, Note
from studio.render import (
    CONTINUATION_COLOUR,
    ROLL_PLOT,
    ROLL_TICKS,
    ROLL_TITLE,
    ROLL_WIDTH,
    SCORE_WIDTH,
    SEED_COLOUR,
    SHADE,
    candidate_files,
    melody_files,
    piano_roll_png,
)

LANE = ROLL_TITLE + ROLL_PLOT + ROLL_TICKS


def tune(meter: str, tempo: int = 120, seed_len: int = 4, low: int = 60) -> Melody:
    """Eight full bars of eighths and quarters in ``meter``, climbing and falling an octave."""
    m = Meter.parse(meter)
    notes, now, i = [], 0, 0
    while now < 8 * m.bar_ticks:
        ticks = 6 if i % 3 else 12
        ticks = min(ticks, 8 * m.bar_ticks - now)
        notes.append(Note(low + [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2][i % 14], ticks))
        now, i = now + ticks, i + 1
    return Melody(tuple(notes), Key.parse("C major"), m, tempo, seed_len)


def rgb(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def count(pixels: np.ndarray, colour: str) -> int:
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((pixels == target).all(axis=2).sum())


def test_piano_roll_has_a_lane_per_candidate_in_both_colours_with_text():
    melodies = [tune("4/4"), tune("6/8", seed_len=0), tune("3/4", low=48)]
    one, three = rgb(piano_roll_png(melodies[:1])), rgb(piano_roll_png(melodies))
    assert one.shape[1] == three.shape[1] == ROLL_WIDTH >= 800
    assert three.shape[0] - one.shape[0] == 2 * LANE  # each candidate adds one lane
    for pixels in (one, three):
        assert count(pixels, SEED_COLOUR) > 500 and count(pixels, CONTINUATION_COLOUR) > 2000
        assert count(pixels, SHADE) > 5000  # black-key rows are shaded
    lanes = [three[8 + i * LANE + ROLL_TITLE: 8 + i * LANE + ROLL_TITLE + ROLL_PLOT] for i in range(3)]
    assert count(lanes[0], SEED_COLOUR) > 300 and count(lanes[1], SEED_COLOUR) == 0  # no seed: no seed notes
    assert all(count(lane, CONTINUATION_COLOUR) > 1000 for lane in lanes)
    dark = three.min(axis=2) < 100
    assert dark[:, :45].sum() > 300  # pitch names left of the lanes
    assert dark[8: 8 + ROLL_TITLE, : ROLL_WIDTH // 2].sum() > 300  # the first title
    assert dark[-20:].sum() > 30  # "bar" under the last lane


def test_piano_roll_is_cheap():
    import time

    melodies = [tune("4/4"), tune("6/8"), tune("3/4")]
    piano_roll_png(melodies)  # fonts load once
    start = time.process_time()
    for _ in range(5):
        piano_roll_png(melodies)
    assert (time.process_time() - start) / 5 < 0.1  # matplotlib took ~0.25 s of CPU


def test_long_melodies_keep_bar_numbers_apart():
    long = Melody(tuple(Note(60 + i % 12, 12) for i in range(4 * 64)), Key.parse("C major"), Meter(4, 4), 120, 4)
    assert rgb(piano_roll_png([long])).shape[1] == ROLL_WIDTH


def test_candidate_files_keep_their_names_and_descriptions():
    melodies = [tune("4/4"), tune("6/8", tempo=100), tune("3/4")]
    files = candidate_files(melodies, "reply")
    first = [("reply-pianoroll.png", "Piano rolls of the candidates"),
             *[(f"reply-{i}.mid", f"Candidate {i}: MIDI") for i in (1, 2, 3)]]
    late = [(name.format(i=i), text.format(i=i)) for i in (1, 2, 3) for name, text in (
        ("reply-{i}-score.png", "Candidate {i}: sheet music"), ("reply-{i}.ogg", "Candidate {i}: audio preview"))]
    assert [(f.filename, f.description) for f in files] == first + late  # what a reply shows at once, then later
    data = {f.filename: f.data for f in files}
    for i, melody in enumerate(melodies, start=1):
        score = rgb(data[f"reply-{i}-score.png"])
        assert score.shape[1] == SCORE_WIDTH and 150 < score.shape[0] < 600
        assert (score.min(axis=2) < 128).sum() > 3000  # staves and notes
        seconds = 8 * melody.meter.beats * 60 / melody.tempo  # eight bars of felt beats
        duration, peak = audio_stats(data[f"reply-{i}.ogg"])
        assert duration == pytest.approx(seconds + TAIL_SECONDS, abs=0.1) and peak < 0
        assert audio_loudness(data[f"reply-{i}.ogg"]) == pytest.approx(TARGET_LUFS, abs=1.0)


def test_melody_files_keep_their_names():
    files = melody_files(tune("4/4"), "m", "Melody", lyrics=["la"] * len(tune("4/4").notes))
    assert [f.filename for f in files] == ["m-score.png", "m.mid", "m.ogg", "m-pianoroll.png", "m.musicxml"]
    assert rgb(files[0].data).shape[1] == SCORE_WIDTH
