"""The CLI's `chords`, `arrange`, `lyrics` and `inspire` commands: the bot's services, printed for a terminal and
written as files into a folder. Bad input raises MusicError (``studio.cli.main.main`` prints it and exits with 2)."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from studio.arrange.arranger import ArrangeRequest, arrange
from studio.arrange.diagram import form_mermaid
from studio.arrange.files import arrangement_files, describe, instruments_line
from studio.chord_melody import backing, chord_line, chords_in_notes
from studio.cli.syntax import cli_syntax
from studio.errors import MusicError, cmd, opt, render
from studio.harmony.files import harmony_files
from studio.harmony.harmonizer import harmonize_melody
from studio.inputs import GivenMelody, abc_chords, check_midi_size, melody_from_midi, melody_from_notes
from studio.lyrics.lyricist import (
    Inspiration,
    Lyricist,
    LyricLine,
    LyricRequest,
    Verse,
    all_images,
    lines_and_scheme,
    parse_syllables,
)
from studio.lyrics.setting import underlay
from studio.melody import Composer
from studio.midi_melody import HeldChords
from studio.progression import progression_text, read_progression
from studio.render import Attachment, melody_files

_MARKDOWN = re.compile(r"\*\*|`")


def read_midi(path: Path) -> bytes:
    """The bytes of a melody file (MIDI, MusicXML) named on the command line; MusicError when it can't be read or is
    too big."""
    try:
        check_midi_size(path.stat().st_size)
        return path.read_bytes()
    except OSError as exc:
        raise MusicError(f"I can't read `{path}`: {exc.strerror}. Give the path of a .mid or MusicXML (.musicxml, "
                         f".mxl) file.") from None


def write_files(out: Path, attachments: Sequence[Attachment], text: tuple[str, str] | None = None) -> list[Path]:
    """Write ``text`` (file name, contents) first, then every attachment, into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if text is not None:
        path = out / text[0]
        path.write_text(text[1], encoding="utf-8")
        paths.append(path)
    for attachment in attachments:
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        paths.append(path)
    return paths


def print_written(paths: Sequence[Path]) -> None:
    print("Wrote:")
    for path in paths:
        print(f"  {path}")


def again(*words: object) -> str:
    """A command line that reproduces a result, quoted for a POSIX shell."""
    return "musicgenius " + " ".join(shlex.quote(str(w)) for w in words)


def given_melody(args: argparse.Namespace, example: str) -> tuple[GivenMelody, str]:
    """The melody of ``--midi`` or the typed notes, and a sentence saying where it came from and its key."""
    if args.midi is not None and args.notes:
        raise MusicError(f"Give me either typed notes or a MIDI file ({opt('midi')}), not both, e.g. {example}.")
    if args.midi is not None:
        given = melody_from_midi(read_midi(args.midi), args.key, args.meter, args.tempo, args.track, example=example,
                                 name=str(args.midi))
        origin = render(f"{given.used} {given.cut}".strip(), cli_syntax(args.command))
    elif args.notes:
        given = melody_from_notes(args.notes, args.key, args.meter, args.tempo, example=example)
        origin = given.read_as
    else:
        raise MusicError(f"Give me a melody: type notes, e.g. {example}, or give a MIDI file with "
                         f"{opt('midi', 'song.mid')}.")
    if given.key_guessed:
        origin = f"{origin} Key {given.melody.key} (guessed from the notes; give --key to choose).".strip()
    origin = f"{origin} {render(given.misfit, cli_syntax(args.command))}".strip()
    return given, origin


# ---- chords --------------------------------------------------------------------------------------
async def run_chords(args: argparse.Namespace) -> int:
    _, typed, _ = chords_in_notes(args.notes, None, args.midi)
    origin = ""
    try:
        if typed is None:
            given, origin = given_melody(args, cmd("chords", notes="E D C D E E E:h", key="C"))
    except HeldChords as held:
        typed, origin = held.chords, f"{held.name} holds chords, not a tune: here they are, read back."
    if typed is not None:  # chords typed as notes, or a file of them: read them back, there is no tune to harmonise
        text = progression_text(read_progression(typed, args.key), typed, args.key is not None, origin, False)
        print(render(text, cli_syntax("chords")))
        return 0
    if under := given.file_chords(f"`{args.midi}`"):  # the file's own chords, beside mine
        origin = f"{origin} {under.beside}".strip()
    result = harmonize_melody(given.melody, args.rhythm, args.style)
    m = result.melody
    lines = [f"Chords in {m.key} · {m.meter} · {m.tempo} bpm · up to one chord per {result.rhythm} · "
             f"{result.style} style",
             *([origin] if origin else []), "", f"Chords:          {result.chord_text}",
             f"Roman numerals:  {result.roman_text}"]
    summary = "\n".join(lines)
    stem = f"chords-{args.style}"
    paths = write_files(args.out, harmony_files(result, stem, "Harmonisation"), (f"{stem}.txt", summary + "\n"))
    print(summary, end="\n\n")
    print_written(paths)
    return 0


# ---- arrange -------------------------------------------------------------------------------------
async def run_arrange(args: argparse.Namespace) -> int:
    request = ArrangeRequest(form=args.form, style=args.style, tempo=args.tempo, instruments=args.instruments,
                             chords=args.chords or (abc_chords(args.notes, args.meter) if args.midi is None else None),
                             seed=args.seed)  # every option is checked before the model loads; an ABC tune's chords
    given, origin = given_melody(args, cmd("arrange", notes="E D C D E E E:h D:q D D:h", form="AABA"))
    if request.chords is None and (under := given.file_chords(f"`{args.midi}`")):  # beside the file's tune: the band's
        request = replace(request, chords=under.text)
        origin = f"{origin} {under.band}".strip()
    composer = Composer.load(args.checkpoint, args.device)
    try:
        result = await arrange(composer, request, given.melody, lyrics=given.lyrics)
    finally:
        composer.close()
    r = result.request
    lines = [f"Arrangement · {r.style} · form {r.form} · {result.key} · {result.meter} · {result.tempo} bpm · "
             f"{result.total_bars} bars · seed {result.seed}", *([origin] if origin else []), "",
             *(_MARKDOWN.sub("", line) for line in describe(result)), "",
             "Form as a Mermaid flowchart (also in the .mmd file):", form_mermaid(result), "",
             f"Instruments: {instruments_line(result)}", *result.remarks]
    words = ["arrange", *([args.notes] if args.midi is None else ["--midi", args.midi]), "--key", result.key,
             "--meter", result.meter, "--tempo", result.tempo, "--form", r.form, "--style", r.style,
             *(["--instruments", r.instruments] if r.instruments else []),
             *(["--chords", r.chords] if r.chords else []), "--seed", result.seed]
    summary = "\n".join([*lines, "", f"Again: {again(*words)}"])
    stem = f"arrangement-{result.seed}"
    paths = write_files(args.out, arrangement_files(result, stem), (f"{stem}.txt", summary + "\n"))
    print(summary, end="\n\n")
    print_written(paths)
    return 0


# ---- lyrics and inspire --------------------------------------------------------------------------
def line_text(line: LyricLine, count: bool = True) -> str:
    """A lyric line for a terminal: the rhyme word in *stars*, then its syllable count and rhyme letter."""
    marked = line.marked.replace("**", "*")
    letter = f" {line.rhyme_letter}" if line.rhyme_word else ""
    return f"{marked}  [{line.syllables}{letter}]" if count else marked


def verse_text(verse: Verse) -> str:
    return "\n".join(line_text(line) for line in verse.lines)


async def run_lyrics(args: argparse.Namespace) -> int:
    if args.notes or args.midi is not None:
        return _lyrics_for_melody(args)
    extra = [name for name, value in (("--key", args.key), ("--meter", args.meter), ("--tempo", args.tempo),
                                      ("--track", args.track)) if value is not None]
    if extra:
        raise MusicError(f"{', '.join(extra)} only apply to words for a melody: add --notes \"C D E C\" or --midi.")
    counts = parse_syllables(args.syllables) if args.syllables else None
    lines, scheme = lines_and_scheme(args.lines, args.scheme, counts)
    request = LyricRequest.make(args.theme, lines, scheme, counts, None, args.seed)  # checked before loading
    verse = Lyricist.load().write(request)
    about = f' about "{args.theme.strip()}"' if verse.theme is not None else ""
    words = ["lyrics", *(["--theme", args.theme] if args.theme.strip() else []), "--lines", len(verse.lines),
             "--scheme", scheme, *(["--syllables", args.syllables] if args.syllables else []), "--seed", verse.seed]
    lines = [f"Lyrics{about} · {scheme} · rhyme words in *stars*, [syllables and rhyme letter] after each line",
             *([f"Note: {verse.note}"] if verse.note else []), "", verse_text(verse), "", f"Again: {again(*words)}"]
    print("\n".join(lines), end="\n\n")
    print_written(write_files(args.out, [], (f"lyrics-{verse.seed}.txt", verse.plain + "\n")))
    return 0


def _lyrics_for_melody(args: argparse.Namespace) -> int:
    """Words for a melody, one line per phrase and a syllable per note, laid under its notes in every file."""
    if args.lines is not None or args.syllables:
        raise MusicError("With a melody, its phrases decide the lines and its notes the syllables (one per note): "
                         "leave out --lines and --syllables.")
    given, origin = given_melody(args, cmd("lyrics", notes="C D E C E F G:h"))
    if args.seed is not None:
        LyricRequest.make(args.theme, 1, "free", None, None, args.seed)  # a bad seed fails before the model loads
    verse = Lyricist.load().for_melody(given.melody, args.theme, args.scheme, args.seed)
    placed = underlay(given.melody, [line.text for line in verse.lines])
    m, count = given.melody, len(verse.lines)
    lines = [f"Words for your melody · {m.key} · {m.meter} · {m.tempo} bpm · {count} phrase{'' if count == 1 else 's'}"
             ", one syllable per note", *([origin] if origin else []), *([f"Note: {verse.note}"] if verse.note else []),
             "", "Sung as:", placed.text, "", verse_text(verse), "",
             f"Stressed syllables on strong beats: {placed.stress_rate:.0%}. The score and the MIDI carry the words "
             "(karaoke lyrics in a DAW or MuseScore)."]
    chords = None
    if given.chords:  # a chords track beside the file's tune: a lead sheet
        chords = backing(given.chords, m.bars, m)
        lines.insert(1, f"Over the file's chords: {chord_line(given.chords, m.meter, m.bars)}")
    stem = f"lyrics-{verse.seed}"
    files = melody_files(m, stem, "Lyrics", lyrics=list(placed.syllables), midi_lyrics=list(placed.midi_text),
                         chords=chords)
    paths = write_files(args.out, files, (f"{stem}.txt", f"{placed.text}\n\n{verse.plain}\n"))
    print("\n".join(lines), end="\n\n")
    print_written(paths)
    return 0


def inspiration_text(ideas: Inspiration) -> str:
    lines = [f'Lyric ideas for "{ideas.topic.strip()}" (seed {ideas.seed})',
             *([f"Note: {ideas.note}"] if ideas.note else []), ""]
    for i, (line, rhymes) in enumerate(zip(ideas.openings, ideas.rhymes, strict=True), start=1):
        lines.append(f"{i}. {line_text(line, count=False)}  [{line.syllables}]")
        if rhymes:
            lines.append(f"   rhymes for “{line.rhyme_word}”: {', '.join(rhymes)}")
    if ideas.images:
        lines += ["", f"{'Images' if all_images(ideas.images) else 'Words'}: {' · '.join(ideas.images)}"]
    return "\n".join(lines)


async def run_inspire(args: argparse.Namespace) -> int:
    topic = args.topic or ""
    if not topic.strip():
        raise MusicError(f"Give me a topic with a word or two, e.g. {cmd('inspire', topic='rain on the window')}.")
    if not 1 <= args.count <= 8:
        raise MusicError(f"Ask for 1 to 8 ideas, e.g. {opt('count', 4)}.", "count", 4)
    if args.expand is not None and not 1 <= args.expand <= args.count:
        raise MusicError(f"{opt('expand')} picks one of the {args.count} ideas: give a number from 1 to {args.count}.",
                         "expand", 1)
    LyricRequest.make(topic, 1, "free", None, None, args.seed)  # a bad seed fails before the model loads
    lyricist = Lyricist.load()
    ideas = lyricist.inspire(topic, args.count, args.seed)
    print(inspiration_text(ideas))
    if args.expand is None:
        words = ["inspire", "--topic", topic, "--seed", ideas.seed, "--count", args.count, "--expand", 1]
        print(f"\nGrow an idea into a verse: {again(*words)}")
        return 0
    if args.expand > len(ideas.openings):
        raise MusicError(f"I only found {len(ideas.openings)} ideas for that topic. Pick one of them with --expand.")
    opening = ideas.openings[args.expand - 1]
    verse = lyricist.expand(opening.text, topic, 4, "ABAB", None, ideas.seed + args.expand - 1)
    print(f"\nVerse from idea {args.expand} (ABAB):\n{verse_text(verse)}")
    return 0
