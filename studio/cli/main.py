"""Local command line: the same commands as the Discord bot, writing files to a folder.

    musicgenius melody "C E G" --bars 8 --seed 42 --out out/
    musicgenius melody --lyrics "Twinkle twinkle little star" --out out/
    musicgenius melody --mood melancholic --out out/
    musicgenius chords "E D C D E E E:h" --style pop --rhythm bar --out out/
    musicgenius arrange "C D E F G:h" --form AABA --style "folk band" --out out/
    musicgenius lyrics --theme "the sea at night" --lines 4 --scheme ABAB --syllables "8 6 8 6"
    musicgenius lyrics --notes "C D E C E F G:h" --theme rain --out out/
    musicgenius inspire --topic rain --seed 5
    musicgenius analyze "G A B C D:h B G" --out out/
    musicgenius quiz --level beginner --kind interval --out out/
    musicgenius rewrite "E D C D | E E E:h | D:q D D:h | E:q G G:h" --bars 3 --seed 7 --out out/
    musicgenius extend "E D C D E E E:h" --bars 4 --out out/
    musicgenius transform "E D C D | E E E:h | D:q D D:h | E:q G G:h" --mode minor --rhythm jig --out out/
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import os
import sys
from dataclasses import replace
from pathlib import Path

from studio.alike import distinct
from studio.chord_melody import check_sources, chords_in_notes, key_against, longer_chords, to_sing, words_and_file
from studio.cli.analyze import run_analyze
from studio.cli.commands import print_written, read_midi, run_arrange, run_chords, run_inspire, run_lyrics
from studio.cli.quiz import add_arguments as add_quiz_arguments
from studio.cli.quiz import run_quiz
from studio.cli.rewrite import run_extend, run_rewrite
from studio.cli.similar import run_similar
from studio.cli.syntax import POSITIONAL_NOTES, cli_syntax
from studio.cli.transform import run_transform
from studio.errors import USER_ERRORS, MusicError, cmd, opt, render, user_text
from studio.inputs import abc_melody_options, bare_quarters
from studio.melody import DEFAULT_CHECKPOINT, Composer, MelodyResult
from studio.midi_melody import midi_request, seed_words
from studio.mood import mood_defaults, opening, result_estimate, settings_line
from studio.options import (
    ANALYZE,
    ARRANGE,
    CHORDS,
    COMMANDS,
    EXTEND,
    INSPIRE,
    LYRICS,
    MELODY,
    QUIZ,
    REWRITE,
    SIMILAR,
    TRANSFORM,
)
from studio.render import melody_files
from studio.requests import MelodyRequest


def describe(result: MelodyResult) -> str:
    """The summary a user reads: key, meter, tempo, bars, how to reproduce, the notes."""
    r, m = result.request, result.melody
    how = " (inferred from your seed)" if result.seed.notes else " (the default: give --key to choose)"
    key = f"{m.key}{how if result.key_inferred else ''}"
    words = f"Words: {sung_text(result.lyrics)}\n" if result.lyrics else ""
    bars = f"{m.bars} and a pickup" if m.pickup else m.bars
    heard = result_estimate(result)
    mood = (f"Mood: {settings_line(r)}\n" if r.mood else "") + (f"Estimated {heard.line}\n" if heard else "")
    style = f"   Style: {r.style}" if result.sampled else ""
    sampling = f"Temperature: {r.temperature}   top_p: {r.top_p}   RNG seed: {r.seed}\n" if result.sampled else ""
    chords = f"Chords: {result.chord_line}\n" if result.chord_line else ""
    return (f"Key: {key}\nMeter: {m.meter}   Tempo: {m.tempo} bpm   Bars: {bars}{style}\n{chords}{sampling}{mood}"
            f"Reproduce: {render(result.reproduce, cli_syntax('melody'))}\n"
            + (f"Originality: {result.originality}\n" if result.originality else "") + f"\n{words}{result.shown}\n")


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
    for attachment in melody_files(result.melody, stem, title=f"Melody in {result.melody.key}", lyrics=lyrics,
                                   chords=result.backing):
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        paths.append(path)
    return paths


async def run_melody(args: argparse.Namespace) -> int:
    names = ("bars", "temperature", "top_p", "seed", "key", "style", "density", "ending", "count", "notation", "mood",
             "chords")
    options = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    timing = {name: getattr(args, name) for name in ("meter", "tempo") if getattr(args, name) is not None}
    if args.midi is None:  # chords typed as notes are chords; an ABC tune's header gives the key, meter and tempo
        args.notes, args.chords, as_chords = chords_in_notes(args.notes, args.chords)
        if as_chords:
            options["chords"] = args.chords
            print(render(as_chords, cli_syntax("melody")))
        args.notes, from_abc, read_as = abc_melody_options(args.notes, {**options, **timing},
                                                           for_words=args.lyrics is not None)
        options.update({k: v for k, v in from_abc.items() if k not in ("meter", "tempo")})
        timing.update({k: v for k, v in from_abc.items() if k in ("meter", "tempo")})
        if read_as:
            print(read_as)
    moody = mood_defaults({**options, **timing}, args.notes)  # what --mood fills: key, tempo, density (yours win)
    check_sources(args.chords, args.midi)
    if args.lyrics is not None and args.bars is not None:
        print("The words set the length (a note a syllable), so I left --bars aside.")
    words = None  # a MIDI file's words on its tune
    if args.midi is not None:
        moody.pop("tempo", None)  # the file's tempo beats the mood's
        data = read_midi(args.midi)
        request, used, cut = midi_request(data, args.track, name=str(args.midi), fixed=set(options),
                                          over_chords=True, meter=args.meter, tempo=args.tempo, **moody, **options)
        words = seed_words(data, request)
        print(render(f"{used} {cut}".strip(), cli_syntax("melody")))
        if not request.notes:  # a file of chords: notes typed open the melody over them, or words are set over them
            request = replace(request, notes=args.notes or "", lyrics=args.lyrics)
        elif args.lyrics is not None:
            raise words_and_file()
        elif args.notes:
            print("You gave notes too: the file wins, so I left the notes aside.")
        if args.mood and not args.key and not request.chords:  # the mood's mode, in a key that fits the file's notes
            request = replace(request, key=mood_defaults({"mood": args.mood}, request.notes)["key"])
    elif args.notes or args.lyrics is not None or args.mood or args.chords:
        notes = args.notes or ("" if args.lyrics is not None or args.chords else opening(args.mood,
                                                                                          args.key or moody["key"]))
        request = MelodyRequest(notes=notes, lyrics=args.lyrics, **moody, **options, **timing)
        if args.lyrics is None and (longer := longer_chords(args.chords, args.bars)):
            print(render(longer, cli_syntax("melody")))
        if args.notes and args.lyrics is None and (quarters := bare_quarters(notes, request.meter)):
            print(quarters)
    else:
        raise MusicError(f"Give me notes to start from, e.g. {cmd('melody', notes='C E G')}, {opt('midi', 'song.mid')},"
                         f" words to sing: {opt('lyrics', 'Twinkle twinkle little star')}, or chords to write over: "
                         f"{opt('chords', 'Am F C G')}.")
    request, sing = to_sing(request, args.style is not None)
    against = key_against(request.chords, request.parsed_key) if args.key and request.chords else ""
    for line in (sing, against):
        if line:
            print(render(line, cli_syntax("melody")))
    composer = Composer.load(args.checkpoint, args.device)
    try:
        results, alike = distinct(await composer.candidates(request))
    finally:
        composer.close()
    if words is not None:  # a file's words stay on its tune's bars
        results = [r.keeping(*words) for r in results]
    if alike:
        print(render(alike, cli_syntax("melody")))
    loop = asyncio.get_running_loop()
    for i, result in enumerate(results, start=1):
        stem = f"melody-{result.request.seed}" if len(results) == 1 else f"melody-{results[0].request.seed}-{i}"
        paths = await loop.run_in_executor(None, write_melody, result, args.out, stem)
        print(f"=== {'Melody' if len(results) == 1 else f'Candidate {i}'} ===")
        print(describe(result))
        print_written(paths)
        print()
    return 0




def add_options(parser: argparse.ArgumentParser, command: str, names: tuple[str, ...], **defaults: object) -> None:
    """Flags for ``names`` from the option table (``notes`` positional where the command takes it so)."""
    table = COMMANDS[command]
    for name in names:
        option = table[name]
        default = defaults.get(name)
        text = option.help.replace("/melody", "musicgenius melody")
        if name == "notes" and command in POSITIONAL_NOTES:
            parser.add_argument("notes", nargs="?", default="", help=text)
        elif name == "midi":
            parser.add_argument("--midi", type=Path, default=None, help=text)
        elif option.kind is bool:
            parser.add_argument(option.flag, action="store_true", help=text)
        else:
            parser.add_argument(option.flag, dest=name, type=option.kind, default=default,
                                choices=option.choices or None, help=text)
    if command in POSITIONAL_WORDS:  # `musicgenius lyrics "a broken clock"` as well as --theme
        name = POSITIONAL_WORDS[command]
        parser.add_argument("words", nargs="*", default=[], metavar=name, help=f"the {name} without --{name}")


POSITIONAL_WORDS = {"lyrics": "theme", "inspire": "topic"}  # what a bare argument means


def take_positional_words(args: argparse.Namespace) -> None:
    """Move a bare theme or topic (``musicgenius inspire rain``) into its option; both given is a clear error. Bare
    numbers after ``--syllables 8`` are more of its counts."""
    name = POSITIONAL_WORDS.get(args.command)
    if name is None or not args.words:
        return
    if getattr(args, "syllables", None) and all(w.isdigit() for w in args.words):  # `--syllables 8 6 8 6` unquoted
        args.syllables, args.words = " ".join([args.syllables, *args.words]), []
        return
    words = " ".join(args.words)
    if (getattr(args, name) or "").strip():
        raise MusicError(f'Give the {name} once: either {opt(name, words)} or "{words}" on its own, not both.')
    setattr(args, name, words)


def _shared(parser: argparse.ArgumentParser, model: bool = False) -> None:
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default ./out)")
    if model:
        parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
        parser.add_argument("--device", default="cpu")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="musicgenius", description="MusicGenius composition assistant (local).",
        epilog='Try: musicgenius melody "C E G" --bars 8 --out out. Each command\'s --help lists its options.')
    commands = parser.add_subparsers(dest="command", required=True)
    melody = commands.add_parser("melody", help="continue a melody from a few typed notes, or set words to music")
    melody.set_defaults(run=run_melody)
    add_options(melody, "melody", tuple(MELODY), count=1)
    _shared(melody, model=True)

    chords = commands.add_parser("chords", help="chords for a melody: symbols, roman numerals, score, MIDI, audio")
    chords.set_defaults(run=run_chords)
    add_options(chords, "chords", tuple(CHORDS), rhythm=CHORDS["rhythm"].default, style=CHORDS["style"].default)
    _shared(chords)

    arrange = commands.add_parser("arrange", help="arrange a melody for a band: sections, chords, bass, drums")
    arrange.set_defaults(run=run_arrange)
    add_options(arrange, "arrange", tuple(ARRANGE), form=ARRANGE["form"].default, style=ARRANGE["style"].default)
    _shared(arrange, model=True)

    lyrics = commands.add_parser("lyrics", help="lyric lines that rhyme and scan, or words for a melody")
    lyrics.set_defaults(run=run_lyrics)
    add_options(lyrics, "lyrics", tuple(n for n in LYRICS if n != "my_melody"), theme="", notes="")
    _shared(lyrics)

    inspire = commands.add_parser("inspire", help="lyric ideas for a topic: opening lines, rhymes and images")
    inspire.set_defaults(run=run_inspire)
    add_options(inspire, "inspire", tuple(INSPIRE), count=INSPIRE["count"].default)
    similar = commands.add_parser("similar", help="the corpus tunes closest to a melody, and the passage each shares")
    similar.set_defaults(run=run_similar)
    add_options(similar, "similar", tuple(SIMILAR), count=SIMILAR["count"].default)
    similar.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default ./out)")
    quiz = commands.add_parser("quiz", help="ear training: intervals, scales, chords, tunes; answers from stdin")
    quiz.set_defaults(run=run_quiz)
    add_options(quiz, "quiz", tuple(QUIZ), level=QUIZ["level"].default)
    add_quiz_arguments(quiz)
    _shared(quiz)
    analyze = commands.add_parser("analyze", help="a teacher's reading of a melody: key, phrases, cadences, harmony")
    analyze.set_defaults(run=run_analyze)
    add_options(analyze, "analyze", tuple(ANALYZE))
    _shared(analyze)
    rewrite = commands.add_parser("rewrite", help="write some bars of a melody again, keeping every other bar")
    rewrite.set_defaults(run=run_rewrite)
    add_options(rewrite, "rewrite", tuple(REWRITE), count=1)
    _shared(rewrite, model=True)
    extend = commands.add_parser("extend", help="more bars after the end of a melody, ending it again")
    extend.set_defaults(run=run_extend)
    add_options(extend, "extend", tuple(EXTEND), bars=EXTEND["bars"].default, count=1)
    _shared(extend, model=True)
    transform = commands.add_parser("transform", help="a melody in another mode, rhythm, style, tempo or register")
    transform.set_defaults(run=run_transform)
    add_options(transform, "transform", tuple(TRANSFORM))
    _shared(transform, model=True)
    _add_playground(commands)
    return parser


def _add_playground(commands: argparse._SubParsersAction) -> None:
    """``musicgenius playground``: the real bot on a fake Discord, used from a local web page. The ``playground``
    package sits above bot/ (not part of this layer): only its option list is imported here, the rest when it runs."""
    try:
        from playground.cli import add_arguments, run
    except ImportError:  # an install without it (the Docker image ships the bot only)
        return
    playground = commands.add_parser("playground", help="try the bot in your browser: a local page, no Discord token")
    playground.set_defaults(run=run)
    add_arguments(playground)


def _unknown_command(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """What to say when no command, or one that doesn't exist, was typed: the commands, and the nearest one."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if argv and (argv[0].startswith("-") or argv[0] in commands):
        return None
    names = ", ".join(commands)
    if not argv:
        return f"Give a command: {names}. For example: musicgenius melody \"C E G\"."
    near = difflib.get_close_matches(argv[0].lower(), list(commands), n=1, cutoff=0.6)
    return (f"There is no command `{argv[0]}`" + (f": did you mean `{near[0]}`?" if near else ".")
            + f" The commands are {names}.")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].lower()  # `Melody`, as a phone capitalises it
    if (unknown := _unknown_command(parser, argv)) is not None:
        print(f"error: {unknown}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        take_positional_words(args)
        return asyncio.run(args.run(args))
    except USER_ERRORS as exc:
        print(f"error: {user_text(exc, cli_syntax(args.command))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `musicgenius ... | head`: the reader stopped early; the files are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0


if __name__ == "__main__":
    sys.exit(main())
