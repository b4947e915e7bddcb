"""Local command line: the same commands as the Discord bot, writing files to a folder.

    musicgenius melody "C E G" --bars 8 --seed 42 --out out/
    musicgenius melody --lyrics "Twinkle twinkle little star" --out out/
    musicgenius chords "E D C D E E E:h" --style pop --rhythm bar --out out/
    musicgenius arrange "C D E F G:h" --form AABA --style "folk band" --out out/
    musicgenius lyrics --theme "the sea at night" --lines 4 --scheme ABAB --syllables "8 6 8 6"
    musicgenius lyrics --notes "C D E C E F G:h" --theme rain --out out/
    musicgenius inspire --topic rain --seed 5
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from data.events import STYLES, MusicError
from model.engine import EngineBusy
from studio.arrange.arranger import FORMS, INSTRUMENTS
from studio.arrange.arranger import STYLES as ARRANGE_STYLES
from studio.cli.commands import print_written, read_midi, run_arrange, run_chords, run_inspire, run_lyrics
from studio.harmony.harmonizer import HARMONY_STYLES, RHYTHMS
from studio.melody import DEFAULT_CHECKPOINT, Composer, MelodyResult, midi_request
from studio.render import melody_files
from studio.requests import MelodyRequest


def describe(result: MelodyResult) -> str:
    """The summary a user reads: key, meter, tempo, bars, how to reproduce, the notes."""
    r, m = result.request, result.melody
    how = " (inferred from your seed)" if result.seed.notes else " (the default: give --key to choose)"
    key = f"{m.key}{how if result.key_inferred else ''}"
    words = f"Words: {sung_text(result.lyrics)}\n" if result.lyrics else ""
    return (f"Key: {key}\nMeter: {m.meter}   Tempo: {m.tempo} bpm   Bars: {m.bars}   Style: {r.style}\n"
            f"Temperature: {r.temperature}   top_p: {r.top_p}   RNG seed: {r.seed}\n"
            f"Reproduce: {result.reproduce}\n\n{words}{result.text}\n")


def sung_text(lyrics: tuple[str | None, ...]) -> str:
    """Per-note syllables ('Twin-', 'kle', None for a rest) as the words are sung: 'Twin-kle twin-kle ...'."""
    return "".join(s if s.endswith("-") else f"{s} " for s in lyrics if s).strip()


def write_melody(result: MelodyResult, out: Path, stem: str) -> list[Path]:
    """Write the note text and every file of one result into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    text = out / f"{stem}.txt"
    text.write_text(describe(result))
    paths = [text]
    lyrics = None if result.lyrics is None else list(result.lyrics)
    for attachment in melody_files(result.melody, stem, title=stem, lyrics=lyrics):
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        paths.append(path)
    return paths


async def run_melody(args: argparse.Namespace) -> int:
    options = dict(bars=args.bars, temperature=args.temperature, top_p=args.top_p, seed=args.seed, key=args.key,
                   style=args.style, count=args.count)
    if args.lyrics is not None and args.midi is not None:
        raise MusicError("Give me either words (--lyrics) or a MIDI file, not both. To set words to a tune you "
                         'typed, give the notes with the words: `musicgenius melody "C E G" --lyrics "..."`.')
    if args.midi is not None:
        request = midi_request(read_midi(args.midi), args.track, meter=args.meter, tempo=args.tempo, **options)
    elif args.notes or args.lyrics is not None:
        request = MelodyRequest(notes=args.notes, meter=args.meter or "4/4", tempo=args.tempo or 110,
                                lyrics=args.lyrics, **options)
    else:
        raise MusicError('Give me notes to start from, e.g. `musicgenius melody "C E G"`, `--midi song.mid`, or '
                         'words to sing: `--lyrics "Twinkle twinkle little star"`.')
    composer = Composer.load(args.checkpoint, args.device)
    try:
        results = await composer.candidates(request)
    finally:
        composer.close()
    loop = asyncio.get_running_loop()
    for i, result in enumerate(results, start=1):
        stem = f"melody-{result.request.seed}" if len(results) == 1 else f"melody-{results[0].request.seed}-{i}"
        paths = await loop.run_in_executor(None, write_melody, result, args.out, stem)
        print(f"=== {'Melody' if len(results) == 1 else f'Candidate {i}'} ===")
        print(describe(result))
        print_written(paths)
        print()
    return 0


def _melody_options(command: argparse.ArgumentParser, what: str) -> None:
    """Where a command's melody comes from: typed notes or --midi, with --key, --meter and --tempo."""
    command.add_argument("--key", default=None, help='e.g. "G major", "E minor" (default: guessed from the notes)')
    command.add_argument("--meter", default=None, help="time signature, e.g. 4/4, 3/4, 6/8 (default 4/4 or the file's)")
    command.add_argument("--tempo", type=int, default=None, help="beats per minute, 30-300 (default 110 or the file's)")
    command.add_argument("--midi", type=Path, default=None, help=f"{what} the top voice of this MIDI file instead")
    command.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default ./out)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musicgenius", description="MusicGenius composition assistant (local).")
    commands = parser.add_subparsers(dest="command", required=True)
    melody = commands.add_parser("melody", help="continue a melody from a few typed notes, or set words to music")
    melody.set_defaults(run=run_melody)
    melody.add_argument("notes", nargs="?", default="",
                        help='seed notes, e.g. "C E G" or "C4:q D4:e E4:e G4:h" or "do re mi"')
    melody.add_argument("--lyrics", default=None,
                        help="words to sing: a melody for them, one note per syllable (notes, if given, start it)")
    melody.add_argument("--bars", type=int, default=8, help="length of the whole melody in bars (default 8)")
    melody.add_argument("--temperature", type=float, default=1.0, help="0.1-2.0: higher is more adventurous")
    melody.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass, 0.1-1.0")
    melody.add_argument("--seed", type=int, default=None, help="RNG seed: the same seed gives the same melody")
    melody.add_argument("--key", default=None, help='e.g. "G major", "E minor", "D dorian" (default: from the seed)')
    melody.add_argument("--meter", default=None, help="time signature, e.g. 4/4, 3/4, 6/8 (default 4/4)")
    melody.add_argument("--tempo", type=int, default=None, help="beats per minute (default 110)")
    melody.add_argument("--count", type=int, default=1, help="how many candidates to write (1-3, default 1)")
    melody.add_argument("--midi", type=Path, default=None, help="continue the melody of this MIDI file instead")
    melody.add_argument("--track", type=int, default=None,
                        help="with --midi: take the melody from this track (1 = first; default: the top voice)")
    melody.add_argument("--style", choices=STYLES, default="irish")
    melody.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default ./out)")
    melody.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    melody.add_argument("--device", default="cpu")

    chords = commands.add_parser("chords", help="chords for a melody: symbols, roman numerals, score, MIDI, audio")
    chords.set_defaults(run=run_chords)
    chords.add_argument("notes", nargs="?", default="", help='the melody, e.g. "E D C D E E E:h"')
    _melody_options(chords, "harmonise")
    chords.add_argument("--rhythm", choices=RHYTHMS, default="beat", help="how often the chord changes (default beat)")
    chords.add_argument("--style", choices=HARMONY_STYLES, default="chorale",
                        help="chorale (learned from Bach), pop (I IV V vi) or jazz (sevenths, ii-V-I)")

    arrange = commands.add_parser("arrange", help="arrange a melody for a band: sections, chords, bass, drums")
    arrange.set_defaults(run=run_arrange)
    arrange.add_argument("notes", nargs="?", default="", help='the melody (the A section), e.g. "C D E F G:h"')
    _melody_options(arrange, "arrange")
    arrange.add_argument("--form", default="AABA",
                         help=f"sections after the intro: A is your melody, B a new one ({', '.join(FORMS)})")
    arrange.add_argument("--style", choices=list(ARRANGE_STYLES), default="folk band")
    arrange.add_argument("--instruments", choices=INSTRUMENTS, default=None,
                         help="who plays the chords (default: the style's own)")
    arrange.add_argument("--chords", default=None, help='your chords, one per bar: "C Am F G7" (default: I choose)')
    arrange.add_argument("--seed", type=int, default=None, help="RNG seed for the B melody")
    arrange.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    arrange.add_argument("--device", default="cpu")

    lyrics = commands.add_parser("lyrics", help="lyric lines that rhyme and scan, or words for a melody")
    lyrics.set_defaults(run=run_lyrics)
    lyrics.add_argument("--theme", default="", help='what the words are about, e.g. "the sea at night"')
    lyrics.add_argument("--lines", type=int, default=None, help="how many lines, 1-16 (default: the scheme's, or 4)")
    lyrics.add_argument("--scheme", default=None,
                        help="rhyme scheme, a letter per line: ABAB (default), AABB, ABCB ... or free")
    lyrics.add_argument("--syllables", default=None, help='syllables per line: "8" for all, or "8 6 8 6" (default 8)')
    lyrics.add_argument("--seed", type=int, default=None, help="RNG seed: the same seed gives the same words")
    lyrics.add_argument("--notes", default="", help='words for this melody, one syllable per note, e.g. "C D E C"')
    lyrics.add_argument("--track", type=int, default=None, help="with --midi: the track to take (1 = first)")
    _melody_options(lyrics, "write words for")

    inspire = commands.add_parser("inspire", help="lyric ideas for a topic: opening lines, rhymes and images")
    inspire.set_defaults(run=run_inspire)
    inspire.add_argument("--topic", required=True, help='what to write about, e.g. "rain"')
    inspire.add_argument("--seed", type=int, default=None, help="RNG seed: the same seed gives the same ideas")
    inspire.add_argument("--count", type=int, default=4, help="how many opening lines (1-8, default 4)")
    inspire.add_argument("--expand", type=int, default=None, metavar="N", help="grow idea N into a verse")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(args.run(args))
    except (MusicError, EngineBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
