"""Many fixed strings at once: which of them occur in a text.

Aho-Corasick (pyahocorasick, BSD-3) finds every keyword in one pass over the text; the
fallback tests each word with `in`. The generic rule alone carries 1 446 stopwords, and a
`for word in stopwords` loop per candidate was the biggest cost of a scan.
"""

from __future__ import annotations

from collections.abc import Iterable

try:
    import ahocorasick
except ImportError:  # pragma: no cover - the dependency is declared; keep working without it
    ahocorasick = None


class Substrings:
    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted({w for w in words if w})
        self._auto = None
        if ahocorasick is not None and self.words:
            auto = ahocorasick.Automaton()
            for w in self.words:
                auto.add_word(w, w)
            auto.make_automaton()
            self._auto = auto

    def __bool__(self) -> bool:
        return bool(self.words)

    def any_in(self, text: str) -> bool:
        if self._auto is not None:
            return next(self._auto.iter(text), None) is not None
        return any(w in text for w in self.words)

    def found(self, text: str) -> set[str]:
        """Every word that occurs in `text` (overlapping occurrences included)."""
        if self._auto is not None:
            return {w for _, w in self._auto.iter(text)}
        return {w for w in self.words if w in text}
