"""Constrained decoding for the lyric LSTM: exact syllable budgets, true rhymes, stress templates and themes.

Each line is sampled as a batch of ``samples`` candidates from the model with a per-request ``torch.Generator``;
at every step a word is allowed only if the line can still end exactly on its syllable budget with an allowed
end word (a true rhyme for the line's partner, or a word that has rhymes in the vocabulary when the line opens a
rhyme group), it is not blocked, and it does not complete a line of the training verse. The best candidate by
length-normalised log-probability (including the end of line, plus theme and stress terms) is kept and the next
line is decoded from its state. Work is bounded: every word has at least one syllable, so a line of S syllables
takes at most S model steps of the batch, and a line whose candidates all dead-end is decoded once more with the
rhyme dropped, which always finishes (one-syllable words fill any budget).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import torch

from data.associates import load_associates
from data.pronounce import FUNCTION_WORDS, rhyme_part, rhymes, stresses, syllable_count, vowel_sound_first
from data.spelling import unlisted
from data.verse import ARCHAIC, OLD_SPELLINGS, known_word
from model.lyric_lstm import BOS, EOL, SPECIALS, LyricLSTM, LyricVocab, State
from model.lyric_theme import Bias, Theme, Themes

STRONG, WEAK = "S", "w"
MAX_WORD_SYLLABLES = 7
# Words of one or two letters the decoder may write; the rest ("ed", "th", "st", single letters) are fragments of the
# verse's old spellings and hyphenations ("whorl-ed", "th'"), which the dictionary happens to know as names.
SHORT_WORDS = frozenset(("a", "i", "o", "ah", "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is",
                         "it", "lo", "me", "my", "no", "of", "oh", "on", "or", "so", "to", "up", "us", "we", "ye"))
MIN_PARTNERS = 3  # a word can open a rhyme group only if the vocabulary holds this many true rhymes for it
# Line ends come from the most frequent vocabulary words only (the vocabulary is sorted by training frequency):
# past this rank the rhymes the masks forced in were rare junk ("thew", "fells", "smoak"); bench/lyric_sense.py.
COMMON_ENDS = 2000
TOP_K = 200  # sampling looks at the best 200 words only (sorting all 6,000 per step cost more than the model)
# Words a sung line should not end on (articles, prepositions, conjunctions, possessives, subject pronouns, words
# that open a clause): never line ends. "He had a good season at *he*", "The clock was a disaster *when*".
_WEAK_ENDS_TEXT = """a an the of to and or but nor if so as at by for from in into on onto with than that then
which whose whom what his her its their my your our thy thine were was is are be been shall should would could
can may might must do does did has have had o oh this these those each every no nor not
i he she we they who when where while how why whether because though although unless until very just"""
WEAK_ENDS = frozenset(_WEAK_ENDS_TEXT.split())


_SINGULAR = {"is", "was", "has", "does", "doesn't", "isn't", "wasn't"}
_PLURAL = {"are", "were", "have", "do", "don't", "aren't", "weren't", "am"}
# verb forms a subject pronoun never takes next ("I is", "he are", "they was"): masked after the pronoun
DISAGREE = {"i": (_SINGULAR | {"are", "were", "aren't", "weren't"}) - {"was", "wasn't"},
            "you": _SINGULAR | {"am"}, "we": _SINGULAR | {"am"}, "they": _SINGULAR | {"am"},
            "he": _PLURAL, "she": _PLURAL, "it": _PLURAL}


@dataclass(frozen=True)
class LineSpec:
    """What one line must satisfy. Lines are numbered from 0, counting any given opening lines first."""

    syllables: int
    rhyme_line: int | None = None  # the last word must truly rhyme with that earlier line's last word
    open_rhyme: bool = False  # the line starts a rhyme group: end on a word that has rhymes in the vocabulary
    stress: str | None = None  # one 'S' (strong beat) or 'w' (weak) per syllable, from a melody


@dataclass(frozen=True)
class DecodeSettings:
    """Sampling and weighting; the defaults were chosen on bench/lyrics.py runs (bench/reports/lyrics.md)."""

    samples: int = 16  # candidates per line, sampled as one batch
    temperature: float = 0.7  # 0.9: plain-model perplexity 72 (less fluent) vs 49, distinct-2 0.79 vs 0.66
    top_p: float = 0.95
    stress_weight: float = 4.0  # per unstressed syllable on a strong beat (half for a misplaced stress): bench
    # weights 0/1/2/4 gave 49/73/89/99% strong beats on stressed syllables at plain-model perplexity 77/86/98/107
    theme_weight: float = 8.0  # logit bonus x cosine to the topic vector (the theme words themselves get it all)
    theme_weight_after: float | None = 2.0  # the weight once a theme word or neighbour is in the verse (None: same)
    theme_per_line: bool = True  # every line starts at the full weight (the drop is per line; False: per verse)
    theme_rank: float = 3.0  # ranking bonus per token for a candidate holding a theme neighbour, twice for a theme
    # word: lines with a theme word 21% -> 46%, with a word or neighbour 31% -> 83% (bench/lyric_sense.py)
    prime: bool = True  # also feed the theme words as a line before the verse
    repeat_penalty: float = 1.5  # logit cost of a content word already used in the verse
    of_penalty: float = 1.5  # logit cost of "of" in a line, times 4 for a second one: "the X of the Y of the Z"
    # chains are the mark of word salad (two "of"s in 25% of generated lines against 0.2% of real ones)
    end_floor: float = -1.5  # a line whose last word the model would not end a line on (log P(end of line) below
    # this: "the birds were stationed in the last", "the school went home into the long") ranks below one it would
    end_weight: float = 3.0  # ranking cost per token and per nat under the floor
    constrained: bool = True  # False: the same model and sampling with no syllable, rhyme, stress or copy masks
    max_words: int = 16  # unconstrained lines stop here if the model never ends them


@dataclass(frozen=True)
class DecodedLine:
    words: tuple[str, ...]
    logprob: float  # model log-probability of the words and the end of line (nats, unbiased)
    rhymed: bool  # the rhyme constraint held (False only after the dead-end fallback, or unconstrained)


class LyricDecoder:
    """Masks and tables over the vocabulary, built once per loaded model; ``verse`` is the entry point.

    Not thread-safe on its own: callers serialise access (``studio.lyrics.lyricist.Lyricist`` holds a lock).
    """

    def __init__(self, model: LyricLSTM, vocab: LyricVocab, corpus_lines: Iterable[list[str]] = (),
                 blocked: Callable[[str], bool] = lambda w: False, common_ends: int | None = COMMON_ENDS,
                 associates: Mapping[str, Sequence[str]] | None = None) -> None:
        """``common_ends``: lines end only on the vocabulary's ``common_ends`` most frequent words (None: any);
        ``associates``: word -> words that belong with it (default: the committed WordNet table)."""
        self.model, self.vocab = model, vocab
        words = vocab.itos
        n = len(words)
        self.syl = torch.tensor([0 if w in SPECIALS else syllable_count(w) for w in words])
        rare_spellings = unlisted()  # old spellings the CMU dictionary knows as names: "forrest", "smoak"
        ok = [w not in SPECIALS and w not in OLD_SPELLINGS and w not in ARCHAIC and w not in rare_spellings
              and known_word(w) and not blocked(w) and (len(w) > 2 or w in SHORT_WORDS)
              and 1 <= self.syl[i] <= MAX_WORD_SYLLABLES for i, w in enumerate(words)]
        self.ok = torch.tensor(ok)
        self.function = torch.tensor([w in FUNCTION_WORDS for w in words])
        # no article, preposition or auxiliary at a line's end, nor a contraction or possessive ("I'm", "mother's")
        self.can_end = self.ok & ~torch.tensor([w in WEAK_ENDS or "'" in w for w in words])
        self.can_end_rare = self.can_end.clone()  # the last resort before a line gives up its rhyme
        if common_ends is not None:
            self.can_end &= torch.arange(n) < len(SPECIALS) + common_ends
        # stress per syllable: 1 stressed, 0 unstressed, -1 past the word's end
        marks = torch.full((n, MAX_WORD_SYLLABLES), -1)
        for i, w in enumerate(words):
            if ok[i]:
                s = stresses(w)
                marks[i, : len(s)] = torch.tensor([int(c) for c in s])
        self.marks = marks
        self.groups: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            if ok[i] and (part := rhyme_part(w)):
                self.groups.setdefault(part, []).append(i)
        self._partners: dict[str, torch.Tensor] = {}
        self.rhymeable = torch.zeros(n, dtype=torch.bool)
        for i, w in enumerate(words):
            if self.can_end[i]:
                self.rhymeable[i] = len(self._partner_ids(w, limit=MIN_PARTNERS)) >= MIN_PARTNERS
        # lines of the corpus, by all words but the last -> ids of the last words (a line never copies one)
        self.copies: dict[tuple[str, ...], set[int]] = {}
        for line in corpus_lines:
            if line and line[-1] in vocab:
                self.copies.setdefault(tuple(line[:-1]), set()).add(vocab.stoi[line[-1]])
        emb = model.embed.weight.detach()
        self.themes = Themes(vocab, emb / emb.norm(dim=1, keepdim=True).clamp_min(1e-6), self.ok, self.function,
                             load_associates() if associates is None else associates)
        self.bos, self.eol = vocab.stoi[BOS], vocab.stoi[EOL]
        self.of = vocab.stoi.get("of", -1)
        # after an article: no article, preposition or auxiliary ("a the book"), and "a"/"an" by the next sound
        vowel = [vowel_sound_first(w) if ok[i] else None for i, w in enumerate(words)]
        fits = {"a": torch.tensor([v is False for v in vowel]), "an": torch.tensor([v is True for v in vowel]),
                "the": self.ok}
        weak = torch.tensor([w in WEAK_ENDS for w in words])
        # word id -> (V,) the words that may follow it: after an article, and after a subject pronoun ("I is", "they
        # was": the verb forms it disagrees with are ruled out); any word after the rest
        self.may_follow = {vocab.stoi[w]: row & ~weak for w, row in fits.items() if w in vocab.stoi}
        for subject, verbs in DISAGREE.items():
            if subject in vocab.stoi:
                self.may_follow[vocab.stoi[subject]] = ~torch.tensor([w in verbs for w in words])

    # ---- rhymes -------------------------------------------------------------------------------------------
    def _partner_ids(self, word: str, limit: int | None = None) -> list[int]:
        part = rhyme_part(word)
        found = []
        for i in self.groups.get(part, []) if part else []:
            if self.can_end[i] and rhymes(word, self.vocab.itos[i]):
                found.append(i)
                if limit and len(found) >= limit:
                    break
        return found

    def partners(self, word: str) -> torch.Tensor:
        """Ids of vocabulary words that truly rhyme with ``word`` (most frequent first)."""
        if word not in self._partners:
            self._partners[word] = torch.tensor(self._partner_ids(word), dtype=torch.long)
        return self._partners[word]

    def rhyme_words(self, word: str, count: int) -> list[str]:
        return self.vocab.decode(self.partners(word)[:count].tolist())

    def theme(self, text_words: Iterable[str], max_words: int = 8) -> Theme:
        """The theme's usable words, topic vector, neighbours and associates (``Themes.theme``)."""
        return self.themes.theme(text_words, max_words)

    def _bias(self, theme: Theme | None, settings: DecodeSettings, hit: bool = False) -> Bias:
        return self.themes.bias(theme, settings.theme_weight, settings.theme_weight_after, hit)

    # ---- decoding -----------------------------------------------------------------------------------------
    @torch.no_grad()
    def start(self, theme: Theme | None, prime: bool, lines: Iterable[list[str]] = ()) -> tuple[torch.Tensor, State]:
        """Logits (V,) and state after <bos>, the priming line (theme words) and any given lines."""
        ids = [self.bos]
        if prime and theme is not None and theme.words:
            ids += [*self.vocab.encode(theme.words), self.eol]
        for words in lines:
            ids += [*self.vocab.encode(words), self.eol]
        logits, state = self.model.run(ids)
        return logits.float().cpu(), state

    def _step(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """The model's step on its own device (``MUSICGENIUS_DEVICE``); the scores come back to the CPU, where the
        constraints are. The state stays on the model's device."""
        logits, state = self.model.step(tokens.to(self.model.bias.device), state)
        return logits.float().cpu(), state

    @torch.no_grad()
    def feed(self, words: Iterable[str], state: State) -> tuple[torch.Tensor, State]:
        """Feed a finished line and its end-of-line token."""
        logits = None
        for i in [*self.vocab.encode(words), self.eol]:
            logits, state = self._step(torch.tensor([i]), state)
        return logits[0], state

    @torch.no_grad()
    def verse(self, specs: list[LineSpec], generator: torch.Generator, theme: Theme | None = None,
              settings: DecodeSettings | None = None, given: list[list[str]] | None = None) -> list[DecodedLine]:
        """Decode one line per spec after the ``given`` opening lines (which the specs' numbering includes:
        with one given line, ``specs[0]`` describes line 1 and may rhyme with line 0)."""
        settings = settings or DecodeSettings()
        given = [list(g) for g in given or []]
        logits, state = self.start(theme, settings.prime, given)
        bias = self._bias(theme, settings)
        used = torch.zeros(len(self.vocab), dtype=torch.bool)
        for words in given:
            used[[i for i in self.vocab.encode(words) if self.ok[i]]] = True
        lines: list[tuple[str, ...]] = [tuple(g) for g in given]
        all_specs = [LineSpec(len(g)) for g in given] + list(specs)
        out: list[DecodedLine] = []
        for spec in specs:
            if not settings.theme_per_line and bias.near[self.vocab.encode(w for ln in lines for w in ln)].any():
                bias = self._bias(theme, settings, hit=True)
            partner, group = self._targets(spec, all_specs, lines)
            if settings.constrained:
                line = self._constrained(spec, partner, group, logits, state, bias, used, generator, settings, lines)
            else:
                line = self._free(logits, state, bias, used, generator, settings, lines)
            out.append(line)
            lines.append(line.words)
            used[self.vocab.encode(line.words)] = True
            logits, state = self.feed(line.words, state)
        return out

    @torch.no_grad()
    def openings(self, spec: LineSpec, generator: torch.Generator, theme: Theme | None = None,
                 settings: DecodeSettings | None = None) -> list[DecodedLine]:
        """Every distinct candidate for a verse's first line from one batch of ``settings.samples``, best first."""
        settings = settings or DecodeSettings()
        logits, state = self.start(theme, settings.prime)
        bias = self._bias(theme, settings)
        end_mask, rhymed = self._end_mask(spec, [])
        used = torch.zeros(len(self.vocab), dtype=torch.bool)
        ranked = self._sample_lines(spec, end_mask, logits, state, bias, used, generator, settings, [], True)
        return [DecodedLine(words, logprob, rhymed) for words, logprob in ranked]

    def _targets(self, spec: LineSpec, specs: list[LineSpec],
                 lines: list[tuple[str, ...]]) -> tuple[str | None, list[str]]:
        """The word this line must rhyme with, and every end word of its rhyme group so far (first one first)."""
        if spec.rhyme_line is None or spec.rhyme_line >= len(lines) or not lines[spec.rhyme_line]:
            return None, []
        group = [spec.rhyme_line] + [k for k, other in enumerate(specs[: len(lines)])
                                     if other.rhyme_line == spec.rhyme_line]
        return lines[spec.rhyme_line][-1], [lines[k][-1] for k in group if lines[k]]

    def _stress_penalty(self, template: str) -> torch.Tensor:
        """(S, V): cost of each word starting at each syllable of the template."""
        size = len(template)
        strong = torch.tensor([c == STRONG for c in template] + [False] * MAX_WORD_SYLLABLES)
        weak = torch.tensor([c != STRONG for c in template] + [False] * MAX_WORD_SYLLABLES)
        poly = (self.syl > 1).unsqueeze(1)
        rows = []
        for p in range(size):
            s, w = strong[p : p + MAX_WORD_SYLLABLES], weak[p : p + MAX_WORD_SYLLABLES]
            cost = ((self.marks == 0) & s).sum(1) + 0.5 * ((self.marks == 1) & w & poly).sum(1)
            rows.append(cost.float())
        return torch.stack(rows)

    def _end_mask(self, spec: LineSpec, group: list[str]) -> tuple[torch.Tensor, bool]:
        """Words the line may end on, and whether that is the rhyme the spec asked for. A line rhymes with every
        end word of its group (so AAAA never pairs homophones such as see/sea); if no word does, with the first."""
        fits = self.can_end & (self.syl <= spec.syllables)
        avoid = torch.zeros_like(self.ok)
        avoid[[self.vocab.stoi[w] for w in group if w in self.vocab.stoi]] = True
        if group:
            first = torch.zeros_like(self.ok)
            first[self.partners(group[0])] = True
            first &= fits & ~avoid
            agree = torch.zeros(len(self.ok), dtype=torch.long)  # how many of the group each word rhymes with
            for word in group:
                agree[self.partners(word)] += 1
            if first.any():  # rhyme with the whole group where possible, else with as much of it as possible
                return first & (agree == agree[first].max()), True
            return self.rhymeable & fits & ~avoid if (self.rhymeable & fits).any() else fits, False
        if spec.open_rhyme:
            mask = self.rhymeable & fits
            return (mask, True) if mask.any() else (fits, False)
        return fits, True

    def _rare_rhymes(self, spec: LineSpec, group: list[str]) -> torch.Tensor:
        """Any vocabulary word, however rare, that truly rhymes with every end word of the group and repeats none."""
        mask = torch.zeros_like(self.ok)
        part = rhyme_part(group[0])
        for i in self.groups.get(part, []) if part else []:
            word = self.vocab.itos[i]
            if (self.can_end_rare[i] and self.syl[i] <= spec.syllables and word not in group
                    and all(rhymes(g, word) for g in group)):
                mask[i] = True
        return mask

    def _sample(self, scores: torch.Tensor, generator: torch.Generator, top_p: float) -> torch.Tensor:
        """One id per row from softmax(scores) restricted to the top-p nucleus (within the best ``TOP_K``);
        rows of all -inf give an arbitrary id (the caller has marked them dead)."""
        dead = torch.isinf(scores).all(1)
        scores = scores.masked_fill(dead.unsqueeze(1), 0.0)
        top, order = scores.topk(min(TOP_K, scores.size(1)), dim=-1)  # sorted, descending
        probs = torch.softmax(top, -1)
        keep = (probs.cumsum(-1) - probs) < top_p
        pick = torch.multinomial(probs * keep, 1, generator=generator)
        return order.gather(1, pick).squeeze(1)

    def _constrained(self, spec: LineSpec, partner: str | None, group: list[str], logits0: torch.Tensor,
                     state0: State, bias: Bias, used: torch.Tensor, generator: torch.Generator,
                     settings: DecodeSettings, previous: list[tuple[str, ...]]) -> DecodedLine:
        end_mask, rhymed = self._end_mask(spec, group)
        full = self._rare_rhymes(spec, group) if group else None  # true rhymes with the whole group, rare or not
        if full is not None and full.any() and not (full & end_mask).any():
            end_mask = full  # no common word rhymes with the whole group: a rarer true rhyme beats a half rhyme
        ended = [self.vocab.stoi[line[-1]] for line in previous if line and line[-1] in self.vocab.stoi]
        if ended and (fresh := end_mask.clone().index_fill_(0, torch.tensor(ended), False)).any():
            end_mask = fresh  # no line ends on a word an earlier one ended on ("... on snow / ... neck and snow")
        ranked = self._sample_lines(spec, end_mask, logits0, state0, bias, used, generator, settings, previous, True)
        if not ranked and full is not None and full.any() and not torch.equal(full, end_mask):
            ranked = self._sample_lines(spec, full, logits0, state0, bias, used, generator, settings, previous, True)
        if not ranked:  # every candidate dead-ended: drop rhyme, stress and copy masks; this always finishes
            ranked = self._sample_lines(spec, self.ok & (self.syl <= spec.syllables), logits0, state0, bias, used,
                                        generator, settings, previous, False)
            rhymed = False
        words, logprob = ranked[0]
        return DecodedLine(words, logprob, rhymed and (partner is None or rhymes(partner, words[-1])))

    def _sample_lines(self, spec: LineSpec, end_mask: torch.Tensor, logits0: torch.Tensor, state0: State,
                      bias: Bias, used: torch.Tensor, generator: torch.Generator,
                      settings: DecodeSettings, previous: list[tuple[str, ...]], strict: bool,
                      ) -> list[tuple[tuple[str, ...], float]]:
        n, budget = settings.samples, spec.syllables
        syl = self.syl
        end_min = int(syl[end_mask].min()) if end_mask.any() else budget + 1
        stress = self._stress_penalty(spec.stress) if spec.stress and strict else None
        base = self.ok & (syl <= budget)
        reuse = (used & ~self.function).float().unsqueeze(0).repeat(n, 1)  # (N, V): grows as rows pick words
        logits = logits0.unsqueeze(0).expand(n, -1)
        h, c = state0
        state = (h.expand(-1, n, -1).contiguous(), c.expand(-1, n, -1).contiguous())
        remaining = torch.full((n,), budget)
        logp_sum, extra_sum = torch.zeros(n), torch.zeros(n)
        done, dead = torch.zeros(n, dtype=torch.bool), torch.zeros(n, dtype=torch.bool)
        hit = torch.zeros(n, dtype=torch.bool)  # the candidate holds a theme word or neighbour
        own = torch.zeros(n, dtype=torch.bool)  # the candidate holds a theme word itself
        ofs = torch.zeros(n)  # how many times the candidate has said "of"
        last = torch.full((n,), -1)  # each candidate's last word so far
        words: list[list[int]] = [[] for _ in range(n)]
        end_logp = torch.zeros(n)
        rows = torch.arange(n)
        for step in range(budget):
            logp = torch.log_softmax(logits, -1)  # (N, V)
            r = remaining.unsqueeze(1)
            mask = base & (syl <= r) & (((syl == r) & end_mask) | ((r - syl) >= end_min))
            for row in range(n):
                if done[row] or not words[row]:
                    continue
                mask[row, words[row][-1]] = False  # no word twice in a row
                if strict and (ends := self.copies.get(tuple(self.vocab.decode(words[row])))):
                    ids = torch.tensor(sorted(ends))
                    mask[row, ids] &= syl[ids] != remaining[row]
            if strict and step > 0:
                mask &= self._may_follow(last)
            if strict and step == 0 and (ends := self.copies.get(())):
                ids = torch.tensor(sorted(ends))
                mask[:, ids] &= (syl[ids] != budget).unsqueeze(0)
            # a word already used earns no theme bonus again and pays the repeat penalty instead
            extra = bias.rows(hit) * (1 - reuse) - settings.repeat_penalty * reuse
            if stress is not None:
                extra = extra - settings.stress_weight * stress[(budget - remaining).clamp(max=budget - 1)]
            if settings.of_penalty and self.of >= 0:
                extra[:, self.of] -= settings.of_penalty * (1 + 3 * ofs)
            scores = (logp / settings.temperature + extra).masked_fill(~mask, float("-inf"))
            newly_dead = torch.isinf(scores).all(1) & ~done
            dead |= newly_dead
            done |= newly_dead
            pick = self._sample(scores, generator, settings.top_p)
            active = ~done
            pick = torch.where(active, pick, torch.full_like(pick, self.eol))
            logp_sum += torch.where(active, logp[rows, pick], torch.zeros(n))
            extra_sum += torch.where(active, extra[rows, pick], torch.zeros(n))
            reuse[rows, pick] = torch.maximum(reuse[rows, pick], (~self.function[pick]).float())
            hit |= active & bias.near[pick]
            ofs += (active & (pick == self.of)).float()
            last = torch.where(active, pick, last)
            if bias.own is not None:
                own |= active & bias.own[pick]
            for row in rows[active].tolist():
                words[row].append(int(pick[row]))
            remaining = remaining - torch.where(active, syl[pick], torch.zeros_like(remaining))
            logits, state = self._step(pick, state)
            finished = active & (remaining == 0)
            end_logp = torch.where(finished, torch.log_softmax(logits, -1)[:, self.eol], end_logp)
            done |= finished
            if done.all():
                break
        # ranking only: a line on theme (a neighbour, and more for a theme word itself) beats a slightly likelier one,
        # and a line that stops where the model would not end one ("... into the long") loses to one that ends
        tokens = torch.tensor([len(w) for w in words]) + 1
        extra_sum += settings.theme_rank * (hit.float() + own.float()) * tokens
        extra_sum += settings.end_weight * (end_logp - settings.end_floor).clamp(max=0) * tokens
        return self._ranked(words, ~dead & (remaining == 0), logp_sum + end_logp, extra_sum, previous)

    def _may_follow(self, last: torch.Tensor) -> torch.Tensor:
        """(N, V): the words each candidate may say next given its last word (all of them unless an article, or
        a subject pronoun that rules out the verb forms it disagrees with)."""
        allowed = torch.ones(len(last), len(self.vocab), dtype=torch.bool)
        for i, row in self.may_follow.items():
            allowed[last == i] = row
        return allowed

    def _ranked(self, words: list[list[int]], valid: torch.Tensor, logp: torch.Tensor, extra: torch.Tensor,
                previous: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], float]]:
        """Distinct valid candidates, best per-token score first, lines that repeat one of the verse's last;
        each with its model log-probability."""
        seen = set(previous)
        ranked = {}
        for row, ids in enumerate(words):
            if valid[row] and ids:
                text = tuple(self.vocab.decode(ids))
                key = (text in seen, -float(logp[row] + extra[row]) / (len(ids) + 1))
                if text not in ranked or key < ranked[text][0]:
                    ranked[text] = (key, float(logp[row]))
        return [(text, lp) for text, (_, lp) in sorted(ranked.items(), key=lambda item: item[1][0])]

    def _free(self, logits0: torch.Tensor, state0: State, bias: Bias, used: torch.Tensor,
              generator: torch.Generator, settings: DecodeSettings, previous: list[tuple[str, ...]]) -> DecodedLine:
        """The unconstrained baseline: the same sampler, theme and repeat terms, but no masks beyond the vocabulary;
        the line ends where the model ends it (or at ``max_words``)."""
        n = settings.samples
        allowed = self.ok.clone()
        allowed[self.eol] = True
        logits = logits0.unsqueeze(0).expand(n, -1)
        h, c = state0
        state = (h.expand(-1, n, -1).contiguous(), c.expand(-1, n, -1).contiguous())
        logp_sum, extra_sum = torch.zeros(n), torch.zeros(n)
        done, hit = torch.zeros(n, dtype=torch.bool), torch.zeros(n, dtype=torch.bool)
        words: list[list[int]] = [[] for _ in range(n)]
        rows = torch.arange(n)
        reuse = (used & ~self.function).float().unsqueeze(0).repeat(n, 1)
        for step in range(settings.max_words + 1):
            logp = torch.log_softmax(logits, -1)
            extra = bias.rows(hit) * (1 - reuse) - settings.repeat_penalty * reuse
            mask = allowed.unsqueeze(0).expand(n, -1).clone()
            if step == 0:
                mask[:, self.eol] = False
            elif step == settings.max_words:
                mask[:] = False
                mask[:, self.eol] = True
            scores = (logp / settings.temperature + extra).masked_fill(~mask, float("-inf"))
            pick = self._sample(scores, generator, settings.top_p)
            active = ~done
            logp_sum += torch.where(active, logp[rows, pick], torch.zeros(n))
            extra_sum += torch.where(active & (pick != self.eol), extra[rows, pick], torch.zeros(n))
            reuse[rows, pick] = torch.maximum(reuse[rows, pick], (~self.function[pick]).float())
            hit |= active & bias.near[pick]
            for row in rows[active & (pick != self.eol)].tolist():
                words[row].append(int(pick[row]))
            done |= pick == self.eol
            if done.all():
                break
            logits, state = self._step(pick, state)
        words_, logprob = self._ranked(words, done, logp_sum, extra_sum, previous)[0]  # every row ended by max_words
        return DecodedLine(words_, logprob, False)
