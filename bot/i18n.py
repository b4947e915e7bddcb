"""Command descriptions and replies in the user's language (zh-CN; English otherwise).

One catalog per locale (``bot/locales/<locale>.toml``), keyed by the English text the code writes, serves both
sides:

- ``Translator`` gives Discord the localised descriptions, choice names and Apps menu names when the command
  tree is synced. Slash command and option names stay ASCII on purpose: every reply, error and `/help` example
  quotes them (`/melody notes:C E G`), public replies are read by people of other locales, and a reproduce line
  must stay typable by all of them.
- ``tr`` and ``localize`` translate what the bot sends (message text, embeds, button labels, file descriptions,
  error messages from the core) at the edge, just before it goes to Discord: the core and the cogs keep writing
  English, and a sentence the catalog does not cover stays English instead of failing the reply.

A catalog has exact entries and patterns: ``"Pick {n}"`` -> ``"选择 {n}"``, where ``{n}`` matches any text on
one line (``{n:REGEX}`` narrows it, ``{:REGEX}`` matches without naming, e.g. ``bar{:s?}``) and ``{n!t}`` in the
translation translates the matched text too (a key, a style); the pattern with the most literal text wins. A message
is tried whole, then line by line, then sentence by sentence. Code (```` ``` ```` blocks, and `` `spans` `` unless a
pattern captures them whole) is never translated: notes and commands stay as typed.
"""

from __future__ import annotations

import logging
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

_GROUP = re.compile(r"\{(\w*)(?::([^{}]+))?\}")
_FENCE = re.compile(r"```.*?```", re.DOTALL)
_LEAD = re.compile(r"^((?:[\u2139\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f\u200d•]+\s*)+)")
_CJK_END = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]$")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.")
_LIST_SEPARATORS = (" · ", ", ", " / ", " and ")  # inside a sentence (a pattern's {x!t})
_LINE_LISTS = (" · ", ", ")  # a whole line: "irish, busy rhythm" (never " and ": lyrics are English prose)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    template: str


def _compile(english: str) -> re.Pattern[str]:
    """``"Pick {n}"`` -> a regex with a named group per placeholder (any text unless a regex is given);
    ``{:REGEX}`` is an unnamed alternative, e.g. ``bar{:s?}``."""
    parts, at = [], 0
    for match in _GROUP.finditer(english):
        parts.append(re.escape(english[at:match.start()]))
        parts.append(f"(?P<{match[1]}>{match[2] or '.+?'})" if match[1] else f"(?:{match[2]})")
        at = match.end()
    parts.append(re.escape(english[at:]))
    return re.compile("".join(parts))  # a placeholder never spans lines


class _Formatter(string.Formatter):
    """``{x}`` keeps the matched text, ``{x!t}`` translates it with the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "t":
            return self.catalog.term(str(value))
        return super().convert_field(value, conversion)


class Catalog:
    """The translations of one locale: exact texts, then patterns, tried on a whole text, each line and each
    sentence; what matches nothing stays as it is."""

    def __init__(self, locale: str, exact: Mapping[str, str], patterns: Sequence[tuple[str, str]],
                 list_separator: str = "、") -> None:
        self.locale = locale
        self.exact = dict(exact)
        # the most specific first (the most literal text), whatever order the file lists them in
        ordered = sorted(patterns, key=lambda pair: -len(_GROUP.sub("", pair[0])))
        self.patterns = [_Pattern(_compile(english), chinese) for english, chinese in ordered]
        self.list_separator = list_separator
        self._format = _Formatter(self)
        self.text = lru_cache(maxsize=4096)(self._text)  # type: ignore[method-assign]

    def phrase(self, text: str) -> str | None:
        """The translation of exactly ``text`` (an exact entry or a pattern), or None."""
        found = self.exact.get(text)
        if found is not None:
            return found
        for pattern in self.patterns:
            match = pattern.regex.fullmatch(text)
            if match:
                return self._format.vformat(pattern.template, (), match.groupdict())
        return None

    def term(self, text: str) -> str:
        """A value inside a sentence (a key, a style, a list of them): translated when known, else as it is; in a
        list, the items known are translated and the rest (a tune's title, ``6/8``) kept."""
        return (self.listed(text, partial=True) if text else None) or text

    def listed(self, text: str, separators: Sequence[str] = _LIST_SEPARATORS, partial: bool = False) -> str | None:
        """``text`` as a phrase, or as a list of phrases ("irish, busy rhythm"), each known (with ``partial``, one
        known is enough: the others are kept as they are); else None."""
        found = self.phrase(text)
        if found is not None:
            return found
        for separator in separators:
            if separator in text:
                parts = text.split(separator)
                known = [self.phrase(p) for p in parts]
                if all(k is not None for k in known) or (partial and any(k is not None for k in known)):
                    joiner = self.list_separator if separator in (", ", " and ") else separator
                    return joiner.join(k if k is not None else p for k, p in zip(known, parts, strict=True))
        return None

    def _text(self, text: str) -> str:
        """A whole message: code kept, prose translated line by line (and sentence by sentence)."""
        if not text:
            return text
        whole = self.phrase(text)
        if whole is not None:
            return whole
        out, at = [], 0
        for fence in _FENCE.finditer(text):
            out.append(self._prose(text[at:fence.start()]))
            out.append(fence.group())
            at = fence.end()
        out.append(self._prose(text[at:]))
        return "".join(out)

    def _prose(self, text: str) -> str:
        return "\n".join(self._line(line) for line in text.split("\n"))

    def _line(self, line: str) -> str:
        core = line.strip()
        if not core:
            return line
        head, tail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()):]
        found = self._sentence(core)
        if found is None:
            pieces = _sentences(core)
            if len(pieces) > 1:
                found = _join([self._sentence(p) or p for p in pieces])
        if found is None:
            return line
        return f"{head}{found}{tail}"

    def _sentence(self, text: str) -> str | None:
        found = self.listed(text, _LINE_LISTS)
        if found is not None:
            return found
        lead = _LEAD.match(text)
        if lead and lead.end() < len(text):
            rest = self.listed(text[lead.end():], _LINE_LISTS)
            if rest is not None:
                return f"{lead.group()}{rest}"
        return None


def _sentences(text: str) -> list[str]:
    """Split prose after ``.``, ``!`` or ``?`` followed by a space, never inside `code` or after "e.g."."""
    pieces, start, code = [], 0, False
    for i, char in enumerate(text):
        if char == "`":
            code = not code
        elif (not code and char in ".!?" and text[i + 1:i + 2] == " "
              and not any(text[: i + 1].endswith(a) for a in _ABBREVIATIONS)):
            pieces.append(text[start:i + 1].strip())
            start = i + 1
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _join(pieces: Iterable[str]) -> str:
    """Sentences back together: no space after Chinese, one after English."""
    out = ""
    for piece in pieces:
        out = f"{out}{piece}" if not out or _CJK_END.search(out) else f"{out} {piece}"
    return out


LOCALES = Path(__file__).resolve().parent / "locales"


def load_catalog(path: Path) -> Catalog:
    """A catalog file: ``locale``, ``patterns`` (pairs, in order) and tables of exact texts (terms, commands...)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    exact: dict[str, str] = {}
    for table in (v for v in data.values() if isinstance(v, dict)):
        exact.update(table)
    return Catalog(data["locale"], exact, [(english, chinese) for english, chinese in data["patterns"]])


CATALOGS: dict[str, Catalog] = {c.locale: c for c in map(load_catalog, sorted(LOCALES.glob("*.toml")))}


def catalog_for(locale: discord.Locale | str | None) -> Catalog | None:
    """The catalog of ``locale`` (``interaction.locale``), or None for English and every locale without one."""
    if locale is None:
        return None
    return CATALOGS.get(locale.value if isinstance(locale, discord.Locale) else str(locale))


def tr(text: str, locale: discord.Locale | str | None) -> str:
    """``text`` in ``locale``'s language where the catalog covers it, else as written."""
    catalog = catalog_for(locale)
    return text if catalog is None or not text else catalog.text(text)


def localize_embed(embed: discord.Embed, catalog: Catalog) -> None:
    """Title, description, field names and values, footer and author of ``embed``, in place."""
    if embed.title:
        embed.title = catalog.text(embed.title)[:256]
    if embed.description:
        embed.description = catalog.text(embed.description)[:4096]
    for i, field in enumerate(embed.fields):
        embed.set_field_at(i, name=catalog.text(field.name or "")[:256], value=catalog.text(field.value or "")[:1024],
                           inline=bool(field.inline))
    if embed.footer.text:
        embed.set_footer(text=catalog.text(embed.footer.text)[:2048], icon_url=embed.footer.icon_url)
    if embed.author.name:
        embed.set_author(name=catalog.text(embed.author.name)[:256], url=embed.author.url,
                         icon_url=embed.author.icon_url)


def localize_view(view: discord.ui.View, catalog: Catalog) -> None:
    """Button labels of ``view`` (dynamic items included), in place; custom_ids are untouched."""
    for child in view.children:
        item = child.item if isinstance(child, discord.ui.DynamicItem) else child
        if isinstance(item, discord.ui.Button) and item.label:
            item.label = catalog.text(item.label)[:80]


def localize_files(files: Iterable[discord.File], locale: discord.Locale | str | None) -> None:
    """File descriptions (alt text), in place; names and contents are untouched."""
    catalog = catalog_for(locale)
    if catalog is None:
        return
    for file in files:
        if file.description:
            file.description = catalog.text(file.description)[:1024]


def localize(locale: discord.Locale | str | None, content: str | None, options: dict[str, Any]) -> str | None:
    """Translate a message about to be sent for ``locale``: returns the content; the embeds, view and files in
    ``options`` (as ``send`` takes them) are translated in place."""
    catalog = catalog_for(locale)
    if catalog is None:
        return content
    for embed in [options.get("embed"), *(options.get("embeds") or [])]:
        if isinstance(embed, discord.Embed):
            localize_embed(embed, catalog)
    view = options.get("view")
    if isinstance(view, discord.ui.View):
        localize_view(view, catalog)
    localize_files([f for f in [options.get("file"), *(options.get("files") or [])] if isinstance(f, discord.File)],
                   locale)
    return catalog.text(content) if content else content


def localize_modal(modal: discord.ui.Modal, locale: discord.Locale | str | None) -> None:
    """A form's title, its inputs' labels and placeholders, in place."""
    catalog = catalog_for(locale)
    if catalog is None:
        return
    modal.title = catalog.text(modal.title)[:45]
    for child in modal.children:
        if isinstance(child, discord.ui.TextInput):
            # what TextInput(label=...) sets: its label setter is deprecated (for discord.ui.Label) and its warning
            # resets the process's warning filters
            child._underlying.label = catalog.text(child._underlying.label or "")[:45]
            if child.placeholder:
                child.placeholder = catalog.text(child.placeholder)[:100]


class Translator(app_commands.Translator):
    """Localised descriptions, choice names and Apps menu names for Discord, from the same catalogs as the
    replies. Slash command, group and option names stay as written (see the module docstring)."""

    KEPT = frozenset({app_commands.TranslationContextLocation.group_name,
                      app_commands.TranslationContextLocation.parameter_name})

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContext) -> str | None:
        catalog = catalog_for(locale)
        if catalog is None or context.location in self.KEPT:
            return None
        if (context.location is app_commands.TranslationContextLocation.command_name
                and not isinstance(context.data, app_commands.ContextMenu)):
            return None  # slash command names stay ASCII
        if context.location is app_commands.TranslationContextLocation.choice_name:
            found = catalog.phrase(string.message)  # autocomplete choices too: "G major" -> "G大调"
        else:
            found = catalog.exact.get(string.message)
        if found is None:
            log.debug("no %s translation for %r (%s)", locale.value, string.message, context.location.name)
        return found
