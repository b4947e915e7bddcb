"""An uploaded MIDI file as a seed: melody extraction, quantisation and hostile files."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import time

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from data.midi import MidiSeed, melody_to_midi, seed_from_midi
from data.musicxml import melody_to_musicxml
from data.notation import format_notes, parse_seed

TPB = 480  # mido's ticks per beat in the hand-built files; 120 is a sixteenth
S = TPB // 4


def smf(*tracks: list[mido.Message | mido.MetaMessage], tpb: int = TPB) -> bytes:
    """A type 1 MIDI file from message lists whose times are delta ticks."""
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)
    for messages in tracks:
        midi.tracks.append(mido.MidiTrack(messages))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def notes_track(notes: list[tuple[int, int, int]], channel: int = 0, name: str = "") -> list:
    """Messages for (start tick, end tick, pitch) notes; overlaps and chords allowed."""
    events = []
    for start, end, pitch in notes:
        events.append((start, 1, pitch))
        events.append((end, 0, pitch))
    messages: list = [mido.MetaMessage("track_name", name=name)] if name else []
    now = 0
    for tick, on, pitch in sorted(events):
        kind = "note_on" if on else "note_off"
        messages.append(mido.Message(kind, channel=channel, note=pitch, velocity=80 if on else 0, time=tick - now))
        now = tick
    return messages


def line(*pitches_and_sixteenths: tuple[int, int]) -> list[tuple[int, int, int]]:
    """Consecutive (pitch, length in sixteenths) -> (start, end, pitch) in TPB ticks."""
    out, now = [], 0
    for pitch, length in pitches_and_sixteenths:
        out.append((now, now + length * S, pitch))
        now += length * S
    return out


def pitches(seed: MidiSeed) -> list[int | None]:
    return [note.pitch for note in seed.notes]


def assert_typeable(seed: MidiSeed) -> None:
    """The seed is a valid typed seed: shown with format_notes, it parses back to the same notes."""
    assert seed.notes and not seed.notes[0].is_rest and not seed.notes[-1].is_rest
    assert parse_seed(format_notes(seed.notes, (seed.meter or Meter()).bar_ticks)).notes == seed.notes


def header(n_tracks: int, division: int = TPB) -> bytes:
    return b"MThd" + struct.pack(">LHHH", 6, 1, n_tracks, division)


def raw_track(body: bytes) -> bytes:
    return b"MTrk" + struct.pack(">L", len(body)) + body


# ---- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "melody",
    [
        Melody((Note(60, 12), Note(62, 6), Note(64, 6), Note(65, 12), Note(67, 12)), tempo=110),
        Melody((Note(69, 6), Note(None, 6), Note(72, 18), Note(71, 6), Note(69, 6), Note(67, 36)),
               Key(9, "minor"), Meter(6, 8), 72),
        Melody((Note(60, 3), Note(60, 3), Note(60, 9), Note(None, 3), Note(55, 24)), meter=Meter(3, 4), tempo=300),
    ],
)
def test_a_melody_written_by_the_bot_reads_back_exactly(melody):
    seed = seed_from_midi(melody_to_midi(melody))
    assert seed.notes == melody.notes
    assert (seed.meter, seed.tempo, seed.dropped) == (melody.meter, melody.tempo, 0)
    assert seed.tracks == ("Melody (Acoustic Grand Piano, " f"{sum(not n.is_rest for n in melody.notes)} notes)",)
    assert seed.track_name == seed.tracks[0]


_sixteenths = st.sampled_from([3, 6, 9, 12, 18, 24, 36, 48, 72])


@st.composite
def melodies(draw) -> Melody:
    body = draw(st.lists(st.tuples(st.one_of(st.none(), st.integers(21, 108)), _sixteenths), min_size=0, max_size=30))
    first = Note(draw(st.integers(21, 108)), draw(_sixteenths))
    last = Note(draw(st.integers(21, 108)), draw(_sixteenths))
    notes: list[Note] = [first]
    for pitch, ticks in body:
        if pitch is None and notes[-1].is_rest:
            continue  # two rests in a row read back as one
        notes.append(Note(pitch, ticks))
    notes.append(last)
    meter = Meter(*draw(st.sampled_from([(4, 4), (3, 4), (2, 4), (6, 8), (5, 8), (2, 2), (12, 8)])))
    return Melody(tuple(notes), meter=meter, tempo=draw(st.integers(30, 300)))


@settings(max_examples=150, deadline=None)
@given(melodies())
def test_any_sixteenth_grid_melody_round_trips(melody):
    seed = seed_from_midi(melody_to_midi(melody))
    assert (seed.notes, seed.meter, seed.tempo) == (melody.notes, melody.meter, melody.tempo)
    assert_typeable(seed)


_BEATS = st.sampled_from([(4, 4, 4), (8, 4), (4, 8), (3, 3, 3, 3), (6, 6), (9, 3), (3, 9), (6, 3, 3), (12,), (24,),
                          (36,)])  # a beat in triplet eighths or in sixteenths, or a note of whole beats


@st.composite
def triplet_melodies(draw) -> Melody:
    """Melodies of a simple meter whose beats are in triplets or in sixteenths, as a busy /melody reply writes."""
    notes: list[Note] = []
    for cell in draw(st.lists(_BEATS, min_size=1, max_size=12)):
        for ticks in cell:
            rest = draw(st.booleans()) and notes and not notes[-1].is_rest  # two rests in a row read back as one
            notes.append(Note(None if rest else draw(st.integers(48, 84)), ticks))
    if notes[-1].is_rest:
        notes.pop()
    meter = Meter(*draw(st.sampled_from([(4, 4), (3, 4), (2, 4), (2, 2)])))
    return Melody(tuple(notes), meter=meter, tempo=draw(st.integers(30, 300)))


@settings(max_examples=100, deadline=None)
@given(triplet_melodies())
def test_triplets_round_trip_through_midi_and_musicxml(melody):
    """A beat in triplets stays in triplets (it came back as `A:s B:e C:s`): a reply dragged into a DAW or a
    notation program and uploaded again reads back note for note."""
    for data in (melody_to_midi(melody), melody_to_musicxml(melody)):
        seed = seed_from_midi(data)
        assert seed.notes == melody.notes
        assert_typeable(seed)


def test_triplets_are_read_where_the_file_keeps_a_grid_and_loose_playing_keeps_sixteenths():
    third = TPB // 3
    played = [(0, 150, 67), (166, 310, 69), (318, 470, 71), (482, 960, 72),  # a triplet played a little unevenly
              (960, 1310, 74), (1326, 1440, 72), (1440, 1920, 71)]  # a dotted eighth and a sixteenth
    seed = seed_from_midi(smf(notes_track(played)))
    assert seed.notes == (Note(67, 4), Note(69, 4), Note(71, 4), Note(72, 12), Note(74, 9), Note(72, 3), Note(71, 12))
    swung = [(0, 2 * third, 60), (2 * third, TPB, 62), (TPB, TPB + 2 * third, 64), (TPB + 2 * third, 2 * TPB, 65)]
    assert format_notes(seed_from_midi(smf(notes_track(swung))).notes, 48) == "C4:qt D4:et E4:qt F4:et"
    loose = [(10, 300, 67), (336, 450, 69), (470, 800, 71), (815, 950, 72), (985, 1300, 74), (1320, 1450, 72)]
    assert seed_from_midi(smf(notes_track(loose))).notes == (  # played loosely: no grid to read triplets from
        Note(67, 9), Note(69, 3), Note(71, 9), Note(72, 3), Note(74, 9), Note(72, 3))


# ---- choosing the melody line ----------------------------------------------------------------


def band() -> bytes:
    """A conductor track, chords whose top voice is the tune (over a held inner note), and a bass."""
    tune = line((76, 4), (74, 2), (72, 2), (74, 4), (79, 4))
    chords = [*tune, (0, 4 * S, 67), (0, 4 * S, 64), (4 * S, 8 * S, 65), (8 * S, 16 * S, 67), (12 * S, 14 * S, 59)]
    bass = line((48, 8), (43, 8))
    conductor = [mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)),
                 mido.MetaMessage("time_signature", numerator=2, denominator=4)]
    return smf(conductor, notes_track(chords, name="Chords"), notes_track(bass, channel=1, name="Bass"))


def test_the_highest_voice_across_tracks_is_the_melody():
    seed = seed_from_midi(band())
    assert pitches(seed) == [76, 74, 72, 74, 79]
    assert [n.ticks for n in seed.notes] == [12, 6, 6, 12, 12]
    assert (seed.meter, seed.tempo) == (Meter(2, 4), 90)
    assert seed.tracks == ("Chords (Acoustic Grand Piano, 10 notes)", "Bass (Acoustic Grand Piano, 2 notes)")
    assert seed.track_name == seed.tracks[0]  # the chords' top voice is the tune


def test_an_accompaniment_does_not_fill_the_melodys_rests_or_go_on_after_it():
    """A melody track and a bass a bar longer: the top voice of all tracks read the bass's last note (G2) as the
    melody's fourth bar, and a bass note under a rest as a melody note. The melody is the track that holds the top
    voice most often, read alone."""
    tune = [*line((67, 4), (72, 4), (71, 2), (72, 2), (74, 4)), (20 * S, 24 * S, 76), (24 * S, 32 * S, 79)]
    bass = line((48, 16), (43, 16), (48, 16), (43, 15))
    seed = seed_from_midi(smf(notes_track(tune, name="Melody"), notes_track(bass, channel=1, name="Bass")))
    assert pitches(seed) == [67, 72, 71, 72, 74, None, 76, 79]  # the rest stays a rest; no G2 after the end
    assert seed.track_name.startswith("Melody")


def test_a_strummed_intro_is_not_the_melody():
    """A bar of strummed eighths before the tune comes in, and under it (as /arrange writes a band): the strums
    outnumber the tune's notes, but the tune holds the top voice longer."""
    strums = [(i * 2 * S, (i + 1) * 2 * S, pitch) for i in range(24) for pitch in (55, 62)]
    tune = [(16 * S + start, 16 * S + end, pitch) for start, end, pitch in line((67, 8), (72, 8), (71, 8), (67, 8))]
    seed = seed_from_midi(smf(notes_track(strums, name="Guitar"), notes_track(tune, channel=1, name="Fiddle")))
    assert pitches(seed) == [67, 72, 71, 67] and seed.track_name.startswith("Fiddle")


def test_a_track_index_picks_one_instrument():
    seed = seed_from_midi(band(), track=1)
    assert seed.notes == (Note(48, 24), Note(43, 24))
    assert seed.track_name == seed.tracks[1]
    assert pitches(seed_from_midi(band(), track=0)) == [76, 74, 72, 74, 79]


@pytest.mark.parametrize("index", [2, 7, -1])
def test_a_missing_track_lists_the_ones_there_are(index):
    with pytest.raises(MusicError, match=r"has 2 tracks with notes: 1 = Chords .*, 2 = Bass .*`track=1`"):
        seed_from_midi(band(), track=index)


def test_a_held_high_note_is_not_interrupted_by_a_lower_voice_but_a_higher_one_cuts_it():
    tune = [(0, 8 * S, 72), (2 * S, 4 * S, 60), (4 * S, 6 * S, 76), (8 * S, 10 * S, 71)]
    seed = seed_from_midi(smf(notes_track(tune)))
    assert seed.notes == (Note(72, 12), Note(76, 6), Note(None, 6), Note(71, 6))


def test_gaps_become_rests_leading_silence_goes_and_overlaps_are_cut():
    tune = [(8 * S, 12 * S, 60), (16 * S, 21 * S, 62), (20 * S, 24 * S, 64)]  # legato overlap 62 -> 64
    seed = seed_from_midi(smf(notes_track(tune)))
    assert seed.notes == (Note(60, 12), Note(None, 12), Note(62, 12), Note(64, 12))


def test_sloppy_timing_snaps_to_sixteenths_of_the_files_own_beat():
    tune = [(7, 470, 60), (486, 700, 62), (719, 961, 64), (1000, 1010, 65)]  # tiny last note: one sixteenth
    assert seed_from_midi(smf(notes_track(tune))).notes == (Note(60, 12), Note(62, 6), Note(64, 6), Note(65, 3))
    tune = [(0, 96, 60), (96, 192, 67)]  # 96 ticks per beat this time: a quarter note each
    assert seed_from_midi(smf(notes_track(tune), tpb=96)).notes == (Note(60, 12), Note(67, 12))


@pytest.mark.parametrize(("tempo", "bpm"), [(1, None), (0xFFFFFF, None), (0, None), (2_400_000, 30),
                                            (mido.bpm2tempo(400), 300), (mido.bpm2tempo(137), 137)])
def test_absurd_tempos_do_not_move_the_beat_grid(tempo, bpm):
    tempo_meta = mido.MetaMessage("set_tempo", tempo=1)
    tempo_meta.tempo = tempo  # mido refuses 0 in the constructor; the byte stream allows it
    seed = seed_from_midi(smf([tempo_meta, *notes_track(line((60, 4), (64, 2), (67, 2)))]))
    assert seed.notes == (Note(60, 12), Note(64, 6), Note(67, 6))
    assert seed.tempo == bpm


def test_no_tempo_or_odd_meter_is_reported_as_unknown():
    odd = mido.MetaMessage("time_signature", numerator=7, denominator=16)
    seed = seed_from_midi(smf([odd, *notes_track(line((60, 4)))]))
    assert (seed.meter, seed.tempo) == (None, None)


def test_notes_off_the_piano_move_by_octaves_into_range():
    seed = seed_from_midi(smf(notes_track(line((120, 4), (127, 4), (5, 4), (0, 4), (108, 4), (21, 4)))))
    assert pitches(seed) == [108, 103, 29, 24, 108, 21]
    assert_typeable(seed)


def test_a_long_file_is_cut_to_the_first_notes():
    tune = line(*[(60 + i % 12, 1) for i in range(100)])
    seed = seed_from_midi(smf(notes_track(tune)))
    assert len(seed.notes) == 64 and seed.dropped == 36
    assert pitches(seed) == [60 + i % 12 for i in range(64)]
    assert len(seed_from_midi(smf(notes_track(tune)), max_notes=10).notes) == 10


def test_truncation_never_ends_on_a_rest():
    tune = [(0, S, 60), (2 * S, 3 * S, 62), (4 * S, 5 * S, 64)]
    seed = seed_from_midi(smf(notes_track(tune)), max_notes=4)  # 60 r 62 r | 64
    assert seed.notes == (Note(60, 3), Note(None, 3), Note(62, 3)) and seed.dropped == 1


def test_durations_are_ones_the_notation_spells_in_one_token():
    tune = line((60, 5), (62, 7), (64, 10), (65, 2))  # 5, 7 and 10 sixteenths
    seed = seed_from_midi(smf(notes_track(tune)))
    assert seed.notes == (Note(60, 12), Note(None, 3), Note(62, 18), Note(None, 3), Note(64, 24), Note(None, 6),
                          Note(65, 6))
    assert_typeable(seed)


def test_very_long_notes_and_gaps_are_capped():
    tune = [(0, 500 * TPB, 60), (1000 * TPB, 1000 * TPB + S, 62)]
    seed = seed_from_midi(smf(notes_track(tune)))
    assert seed.notes == (Note(60, 72), Note(None, 72), Note(None, 72), Note(None, 48), Note(62, 3))
    assert_typeable(seed)


def test_unreleased_notes_last_until_the_track_ends():
    messages = [mido.Message("note_on", note=60, velocity=90), mido.MetaMessage("end_of_track", time=2 * TPB)]
    assert seed_from_midi(smf(messages)).notes == (Note(60, 24),)


def test_notes_only_after_the_first_ten_minutes_are_refused():
    late = line((60, 4))
    late = [(s + 5000 * TPB, e + 5000 * TPB, p) for s, e, p in late]
    with pytest.raises(MusicError, match=r"no notes in its first 1200 beats.*`C E G`"):
        seed_from_midi(smf(notes_track(late)))
    early_and_late = line((60, 4)) + late
    assert seed_from_midi(smf(notes_track(early_and_late))).notes == (Note(60, 12),)


def test_type_0_files_split_by_channel():
    melody = notes_track(line((72, 4), (74, 4)), channel=0)
    bass = notes_track(line((48, 8)), channel=3)
    merged = mido.merge_tracks([mido.MidiTrack(melody), mido.MidiTrack(bass)])
    seed = seed_from_midi(smf(list(merged)))
    assert seed.tracks == ("Track 1 ch1 (Acoustic Grand Piano, 2 notes)", "Track 1 ch4 (Acoustic Grand Piano, 1 note)")
    assert pitches(seed) == [72, 74]
    assert pitches(seed_from_midi(smf(list(merged)), track=1)) == [48]


def test_program_changes_name_the_instrument():
    messages = [mido.Message("program_change", program=73), *notes_track(line((72, 4)), name="Lead\x00 `@x`")]
    assert seed_from_midi(smf(messages)).tracks == ("Lead '@x' (Flute, 1 note)",)


# ---- hostile and useless files ---------------------------------------------------------------


def refused(data: bytes, match: str) -> float:
    """Seconds it took to refuse ``data`` with a MusicError matching ``match`` (and showing an example)."""
    start = time.perf_counter()
    with pytest.raises(MusicError, match=match) as error:
        seed_from_midi(data)
    elapsed = time.perf_counter() - start
    assert "`" in str(error.value)
    return elapsed


def test_drums_only_is_refused():
    drums = notes_track(line((36, 2), (38, 2), (36, 2), (38, 2)), channel=9)
    refused(smf(drums), "only has drums")
    with_bass = seed_from_midi(smf(drums, notes_track(line((40, 8)), channel=1)))
    assert pitches(with_bass) == [40] and len(with_bass.tracks) == 1


def test_a_file_without_notes_is_refused():
    refused(smf([mido.MetaMessage("set_tempo", tempo=500000)]), "no notes")
    refused(header(0), "no notes")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "a picture or PDF of music.*MusicXML or MIDI.*\\.mid"),
        (b"%PDF-1.7\n" + bytes(100), "a picture or PDF of music"),
        (b"RIFF\x00\x10\x00\x00WAVEfmt " + bytes(100), "a recording: I read notes, not sound"),
        (b"ID3\x04" + bytes(100), "a recording"), (bytes(4) + b"ftypM4A " + bytes(100), "a recording"),
        (b"C E G, please", "isn't a MIDI file"),
        (b"X:1\nT:The Kesh\nM:6/8\nK:G\nGAG GAB|\n", "isn't a MIDI file"),  # studio.abc_input reads it
        (b"MThd", "damaged"),
        (header(1, division=0xE728) + raw_track(b"\x00\xff\x2f\x00"), "SMPTE"),
        (header(1) + raw_track(b"\x00\x3c\x40"), "damaged"),  # data bytes with no status
        (header(1) + raw_track(b"\x00\x90\x3c\xc0"), "damaged"),  # a status byte where velocity goes
        (header(1) + raw_track(b"\x00\xf3\x01"), "damaged"),  # song select has no place in a file
        (header(1) + raw_track(b"\xff\xff\xff\xff\x7f\x90\x3c\x40"), "damaged"),  # a five-byte delta time
        (header(1) + raw_track(b"\x00\xff\x03\x7f\x41"), "damaged"),  # meta longer than its track
        (header(2) + raw_track(b"\x00\x90\x3c\x40\x60\x80\x3c\x00"), "damaged"),  # second track missing
    ],
)
def test_unreadable_files_are_refused_with_what_to_upload(data, match):
    refused(data, match)


def test_every_truncation_of_a_good_file_is_refused():
    good = melody_to_midi(Melody((Note(60, 12), Note(None, 6), Note(64, 6), Note(67, 24)), tempo=100))
    for size in range(1, len(good)):
        with pytest.raises(MusicError):
            seed_from_midi(good[:size])


def test_a_file_of_10000_tracks_is_refused_at_once():
    assert refused(header(10_000) + raw_track(b"\x00\xff\x2f\x00") * 10_000, "10000 tracks; I read at most 64") < 0.01


def test_a_header_of_garbage_is_damaged_not_too_many_tracks():
    """`MThd` and six bytes of text read as format 26465 with 29282 tracks: the file is damaged, which is what the
    user can act on (export it again), not a track count it never had."""
    refused(b"MThd\x00\x00\x00\x06garbage", "damaged")
    refused(header(10_000) + raw_track(b"\x00\xff\x2f\x00"), "damaged")  # one track where it says 10000


def test_a_50_mb_blob_is_refused_by_size_alone():
    blob = b"MThd" + random.Random(50).randbytes(50_000_000)
    assert refused(blob, "under 1 MB") < 0.1


def test_a_megabyte_of_dense_notes_is_read_in_bounded_time():
    body = b"\x00\x90\x3c\x40" + b"\x00\x3c\x00\x00\x3c\x40" * 166_000  # on/off pairs, all at tick 0
    start = time.perf_counter()
    assert seed_from_midi(header(1) + raw_track(body)).notes == (Note(60, 3),)
    assert time.perf_counter() - start < 5  # about 0.3 s; loose for a loaded machine


_hostile = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=2000).map(lambda tail: b"MThd" + tail),
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 0xFFFF), st.binary(max_size=2000)).map(
        lambda t: b"MThd" + struct.pack(">LHHH", 6, t[0], t[1], t[2]) + raw_track(t[3])
    ),
)


@settings(max_examples=600, deadline=2000)
@given(_hostile)
def test_any_bytes_give_a_seed_or_a_music_error(data):
    try:
        seed = seed_from_midi(data)
    except MusicError as error:
        assert "`" in str(error)
    else:
        assert_typeable(seed)


@settings(max_examples=300, deadline=2000)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=20))
def test_damaging_a_real_file_gives_a_seed_or_a_music_error(edits):
    data = bytearray(band())
    for position, value in edits:
        data[position % len(data)] = value
    with contextlib.suppress(MusicError):
        assert_typeable(seed_from_midi(bytes(data)))


def test_a_key_signature_is_read_where_it_says_more_than_c_majors_default():
    tune = notes_track([(i * TPB, (i + 1) * TPB, p) for i, p in enumerate((69, 72, 74, 76, 79, 76, 74, 69))])
    signed = [mido.MetaMessage("key_signature", key=key) for key in ("Em", "Bb", "Am", "C")]
    assert [seed_from_midi(smf([sig, *tune])).fifths for sig in signed] == [1, -2, 0, None]  # C major: any program's
    assert seed_from_midi(smf(tune)).fifths is None
