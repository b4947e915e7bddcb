"""Words of a melody written for them, sung in an arrangement's first A (``studio.arrange.words``)."""

from __future__ import annotations

from dataclasses import replace

from data.events import Key, Melody, Meter
from data.notation import parse_seed
from studio.arrange.arranger import ArrangeRequest, arrange
from studio.arrange.files import arrangement_midi, arrangement_musicxml, lyric_events


def sung(text: str, syllables: str, meter: str = "4/4", pickup: int = 0) -> tuple[Melody, list[str | None]]:
    notes = parse_seed(text, max_notes=500).notes
    return Melody(notes, Key(0), Meter.parse(meter), 100, pickup=pickup), syllables.split()


async def test_words_land_on_the_first_a_and_nowhere_else(composer):
    melody, lyrics = sung("C D E F | G:h G:h | A G F E | D:h C:h",
                          "Hap- py birth- day to you, dear friend and all of you")
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=1), melody, lyrics=lyrics)
    first = next(s for s in a.sections if s.letter == "A")
    assert [text for _, text in a.words] == lyrics
    assert [tick for tick, _ in a.words] == [first.start + t for t in melody.onsets()]
    assert lyric_events(a.words)[:3] == [(first.start, "Hap"), (first.start + 12, "py "), (first.start + 24, "birth")]
    xml, _ = arrangement_musicxml(a)
    assert xml.count(b"<lyric") == len(lyrics) and b"<syllabic>begin</syllabic>" in xml
    assert b"\xff\x05" in arrangement_midi(a)  # lyric meta events


async def test_a_pickup_is_sung_where_it_leads_in(composer):
    """`G | C E G C | …`: the pickup's word is sung at the end of the intro, the rest from A's first downbeat."""
    melody, lyrics = sung("G | C E G C | D:h B:h | C E G E | D:h C:q",
                          "Oh the days we had, so long a- go, when we were young", pickup=12)
    a = await arrange(composer, ArrangeRequest(form="AB", seed=2), melody, lyrics=lyrics)
    first = next(s for s in a.sections if s.letter == "A")
    assert a.words[0] == (first.start - 12, "Oh") and a.words[1] == (first.start, "the")
    assert len(a.words) == len(lyrics)


async def test_a_melody_cut_to_fit_keeps_whole_words(composer):
    """A is at most 8 bars: words past its end are left out, back to the end of a word (no dangling 'to-')."""
    melody, lyrics = sung(" ".join(["C D E F"] * 9), " ".join(["to- geth- er"] * 12))
    a = await arrange(composer, ArrangeRequest(form="A", seed=1), melody, lyrics=lyrics)
    first = next(s for s in a.sections if s.letter == "A")
    assert first.bars == 8 and len(a.words) == 30 and a.words[-1][1] == "er"  # notes 31-32 sang "to- geth-"
    assert all(first.start <= tick < first.start + 8 * a.bar_ticks for tick, _ in a.words)


async def test_no_words_without_a_syllable_per_note(composer):
    melody, lyrics = sung("C D E F | G:w", "one two three")
    a = await arrange(composer, ArrangeRequest(form="A", seed=1), melody, lyrics=lyrics)
    assert a.words == () and not any("words" in r for r in a.remarks)
    plain = await arrange(composer, ArrangeRequest(form="A", seed=1), replace(melody))
    assert plain.words == ()
