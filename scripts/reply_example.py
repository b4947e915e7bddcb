"""Draw bot/assets/reply-example.png, the picture of a reply that `/help` shows, with the bot's own renderers.

    .venv/bin/python scripts/reply_example.py [--seed 7] [--out bot/assets/reply-example.png]

Three candidates for `/melody notes:C E G` from the shipped model with a fixed RNG seed, laid out as Discord shows
the reply (dark theme): the text ``bot.replies.candidates_content`` writes, the first candidate's embed
(``bot.replies.melody_embed``), the piano roll (``studio.render.piano_roll_png``), the first candidate's score page
(as ``studio.render.candidate_late_files`` draws it) and the buttons of ``bot.melody_reply.candidate_view``.
Run it again when a reply's look changes; the same seed gives the same melodies.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import re
from pathlib import Path

import discord
from PIL import Image, ImageDraw, ImageFont

from bot.melody_reply import candidate_view
from bot.replies import candidates_content, melody_embed
from studio.melody import DEFAULT_CHECKPOINT, Composer
from studio.render import candidate_files
from studio.requests import MelodyRequest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bot" / "assets" / "reply-example.png"
NOTES = "C E G"
WIDTH, LEFT, RIGHT, IMAGE_WIDTH = 760, 72, 24, 520  # px; Discord shows images 400-550 px wide
BACKGROUND, TEXT, MUTED, CODE_BG, EMBED_BG = "#313338", "#dbdee1", "#949ba4", "#2b2d31", "#2b2d31"
BLURPLE, BUTTONS = "#5865f2", {discord.ButtonStyle.success: "#248046", discord.ButtonStyle.primary: "#5865f2",
                               discord.ButtonStyle.secondary: "#4e5058"}


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A DejaVu face from matplotlib's own fonts (installed with it)."""
    spec = importlib.util.find_spec("matplotlib")
    folder = Path(next(iter(spec.submodule_search_locations or []))) if spec else Path(".")
    return ImageFont.truetype(str(folder / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"), size)


def plain(text: str) -> str:
    """Markdown and emoji a DejaVu face can't draw taken out: **bold**, `code`, pictographs."""
    text = text.replace("**", "").replace("`", "")
    return "".join(ch for ch in text if ord(ch) < 0x2190 or ch in "➜").strip()


class Canvas:
    """A tall image drawn top to bottom, cropped to what was drawn."""

    def __init__(self, width: int = WIDTH, background: str = BACKGROUND, height: int = 4000) -> None:
        self.image = Image.new("RGB", (width, height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.y = 16
        self.sans, self.bold = font("DejaVuSans", 15), font("DejaVuSans-Bold", 15)
        self.small, self.mono = font("DejaVuSans", 12), font("DejaVuSansMono", 13)

    def wrap(self, text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
        lines, line = [], ""
        for word in text.split(" "):
            trial = f"{line} {word}".strip()
            if line and self.draw.textlength(trial, font=face) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        return [*lines, line]

    def text(self, text: str, face: ImageFont.FreeTypeFont, colour: str = TEXT, x: int = LEFT,
             width: int = WIDTH - LEFT - RIGHT, gap: int = 4) -> None:
        for line in self.wrap(text, face, width):
            self.draw.text((x, self.y), line, font=face, fill=colour)
            self.y += face.size + gap

    def header(self) -> None:
        self.draw.text((LEFT, self.y), f"alice used /melody notes:{NOTES}", font=self.small, fill=MUTED)
        self.y += 22
        self.draw.ellipse((16, self.y, 56, self.y + 40), fill=BLURPLE)
        self.draw.text((36, self.y + 20), "MG", font=self.bold, fill="white", anchor="mm")
        self.draw.text((LEFT, self.y), "MusicGenius", font=self.bold, fill="white")
        x = LEFT + self.draw.textlength("MusicGenius", font=self.bold) + 8
        self.draw.rounded_rectangle((x, self.y + 2, x + 30, self.y + 18), 3, fill=BLURPLE)
        self.draw.text((x + 15, self.y + 10), "APP", font=font("DejaVuSans-Bold", 10), fill="white", anchor="mm")
        self.draw.text((x + 40, self.y + 2), "Today at 20:15", font=self.small, fill=MUTED)
        self.y += 24

    def content(self, markdown: str) -> None:
        """Discord's rendering of the reply text: plain lines, and ``` blocks in a dark monospace box."""
        for part in re.split(r"(```\n.*?\n```)", markdown, flags=re.S):
            if part.startswith("```"):
                code = part.strip("`\n")
                lines = self.wrap(code, self.mono, WIDTH - LEFT - RIGHT - 20)
                top = self.y
                self.draw.rounded_rectangle((LEFT, top, WIDTH - RIGHT, top + 12 + 18 * len(lines)), 4, fill=CODE_BG)
                for i, line in enumerate(lines):
                    self.draw.text((LEFT + 10, top + 6 + 18 * i), line, font=self.mono, fill=TEXT)
                self.y = top + 18 + 18 * len(lines)
            else:
                for line in part.strip("\n").splitlines():
                    if plain(line):
                        self.text(plain(line), self.sans)

    def embed(self, embed: discord.Embed) -> None:
        """An embed: a dark card with a coloured edge, the title, inline fields three to a row, the rest below."""
        card = Canvas(WIDTH - LEFT - RIGHT, EMBED_BG, 1000)
        x, width = 16, WIDTH - LEFT - RIGHT - 32
        card.y = 10
        card.text(embed.title or "", card.bold, "white", x, width)
        card.y += 4
        column = width // 3
        inline = [f for f in embed.fields if f.inline]
        for row in range(0, len(inline), 3):
            for i, field in enumerate(inline[row:row + 3]):
                card.draw.text((x + i * column, card.y), plain(field.name or ""), font=font("DejaVuSans-Bold", 13),
                               fill=TEXT)
                card.draw.text((x + i * column, card.y + 18), plain(field.value or "")[:34], font=card.small,
                               fill=TEXT)
            card.y += 42
        for field in embed.fields:
            if not field.inline:
                card.text(plain(field.name or ""), font("DejaVuSans-Bold", 13), TEXT, x, width, gap=2)
                card.text(plain(field.value or ""), card.small, TEXT, x, width)
        if embed.footer.text:
            card.y += 4
            card.text(plain(embed.footer.text), card.small, MUTED, x, width)
        card.draw.rectangle((0, 0, 3, card.y + 8), fill=BLURPLE)
        self.image.paste(card.image.crop((0, 0, card.image.width, card.y + 8)), (LEFT, self.y + 4))
        self.y += card.y + 20

    def picture(self, png: bytes) -> None:
        image = Image.open(io.BytesIO(png)).convert("RGB")
        height = round(image.height * IMAGE_WIDTH / image.width)
        self.image.paste(image.resize((IMAGE_WIDTH, height), Image.Resampling.LANCZOS), (LEFT, self.y))
        self.y += height + 8

    def buttons(self, view: discord.ui.View) -> None:
        rows: dict[int, list[discord.ui.Button]] = {}
        for item in view.children:
            button = getattr(item, "item", item)  # a DynamicItem wraps its button
            rows.setdefault(getattr(item, "row", None) or button.row or 0, []).append(button)
        for row in sorted(rows):
            x = LEFT
            for button in rows[row]:
                label = plain(button.label or "")
                width = int(self.draw.textlength(label, font=self.sans)) + 28
                self.draw.rounded_rectangle((x, self.y, x + width, self.y + 32), 4, fill=BUTTONS[button.style])
                self.draw.text((x + width // 2, self.y + 16), label, font=self.sans, fill="white", anchor="mm")
                x += width + 8
            self.y += 40

    def png(self) -> bytes:
        out = io.BytesIO()
        image = self.image.crop((0, 0, WIDTH, self.y + 8)).quantize(colors=256, method=Image.Quantize.MAXCOVERAGE)
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


async def draw(seed: int) -> bytes:
    composer = Composer.load(DEFAULT_CHECKPOINT)
    try:
        results = await composer.candidates(MelodyRequest(notes=NOTES, seed=seed))
    finally:
        composer.close()
    files = {f.filename: f.data for f in candidate_files([r.melody for r in results], "reply")}
    canvas = Canvas()
    canvas.header()
    canvas.content(candidates_content(results)[0])
    canvas.embed(melody_embed(results[0], 0, len(results)))
    canvas.picture(files["reply-pianoroll.png"])
    canvas.picture(files["reply-1-score.png"])
    canvas.buttons(candidate_view(len(results)))
    return canvas.png()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    png = asyncio.run(draw(args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(f"wrote {args.out} ({len(png) // 1024} KB)")


if __name__ == "__main__":
    main()
