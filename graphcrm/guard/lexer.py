"""Cypher's lexer as Neo4j 5.26 runs it, for the guard: tokens with comments gone, and every form that could make two readers disagree refused.

The guard reads a query the way the server will, or not at all. What Neo4j 5.26's parser does,
checked against the server (tests/test_guard_text.py asks it again on every run):

- `//` comments end at `\\n` or `\\r` (so `\\r\\n` too), and at nothing else: `\\u2028`, `\\u2029`,
  `\\x85`, `\\v`, `\\f` do not end them. Other Cypher parsers (Cypher 25, the ANTLR grammar, a
  future release) may end them elsewhere, so those characters are refused anywhere.
- `/* */` comments do not nest; a `/*` inside one is refused rather than guessed at.
- `\\uXXXX` escapes are decoded over the *whole text* before anything is read (the JavaCC way):
  `// x \\u000a LOAD CSV ...` runs LOAD CSV, `'\\u0027'` closes a string. Any `\\u` is refused.
- Strings are `'...'` or `"..."` with a backslash escaping any one character; names in backticks
  double a backtick to escape it. Unterminated strings, names and comments are refused.
- Outside strings, backticked names and comments only ASCII is accepted: Cypher takes many
  Unicode spaces and dashes (`\\u00a0`, `\\u3000`, `\\u2014`...) as spaces and arrows, and lookalike
  letters make names that read like keywords.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from graphcrm.errors import QueryRefused

__all__ = ["Token", "tokenize"]

#: Unicode categories refused anywhere, even in strings and comments: controls other than tab and
#: the two line ends, format characters (zero-width, bidi overrides), line/paragraph separators,
#: surrogates, private use and unassigned code points.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_ALLOWED_CONTROLS = "\t\n\r"

_SPACE = " \t\n\r"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"(?:[0-9][0-9_]*(?:\.[0-9][0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?[A-Za-z0-9_]*")
_PUNCT = ("..", "<=", ">=", "<>", "!=", "=~", "+=", "::", "||", "->", "<-")


@dataclass(frozen=True)
class Token:
    kind: str        # word, name (backticked), string, number, param, punct
    text: str        # a word's or name's text (a name unescaped), a punctuation mark, a literal as written
    at: int          # offset in the query

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def _refuse(message: str, at: int) -> QueryRefused:
    return QueryRefused(f"{message} (at character {at + 1})")


def _check_characters(text: str) -> None:
    for at, ch in enumerate(text):
        if ch in _ALLOWED_CONTROLS or ch.isascii() and ch.isprintable():
            continue
        category = unicodedata.category(ch)
        if category in _REFUSED_CATEGORIES:
            raise _refuse(f"the query contains the character U+{ord(ch):04X} ({category}): control, invisible and "
                          "line-separator characters are not allowed, because Cypher readers disagree on where they end a "
                          "comment", at)
    escape = re.search(r"\\[uU]", text)
    if escape:
        raise _refuse("unicode escapes (\\u...) are not allowed: Neo4j decodes them before it reads comments and "
                      "strings, so they can hide text from any other reader; write the character itself", escape.start())


def tokenize(text: str) -> list[Token]:
    """The query's tokens, comments dropped; raises QueryRefused on anything a reader could take two ways."""
    _check_characters(text)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] not in "\r\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise _refuse("an unterminated /* comment", i)
            nested = text.find("/*", i + 2, end)
            if nested >= 0:
                raise _refuse("a /* inside a /* comment: Cypher comments do not nest, so this is refused rather than "
                              "guessed at", nested)
            i = end + 2
        elif ch in "'\"":
            end = _string_end(text, i)
            tokens.append(Token("string", text[i:end], i))
            i = end
        elif ch == "`":
            end, name = _name_end(text, i)
            tokens.append(Token("name", name, i))
            i = end
        elif ch == "$":
            i = _param(text, i, tokens)
        elif not ch.isascii():
            raise _refuse(f"the character {ch!r} outside a string or a backticked name: only ASCII is accepted there "
                          "(Cypher reads many Unicode spaces and dashes as spaces and arrows)", i)
        elif ch.isdigit() or ch == "." and i + 1 < n and text[i + 1].isdigit():
            match = _NUMBER.match(text, i)
            assert match is not None
            tokens.append(Token("number", match.group(0), i))
            i = match.end()
        elif ch.isalpha() or ch == "_":
            match = _IDENT.match(text, i)
            assert match is not None
            tokens.append(Token("word", match.group(0), i))
            i = match.end()
        elif ch == "\\":
            raise _refuse("a backslash outside a string", i)
        else:
            mark = next((p for p in _PUNCT if text.startswith(p, i)), ch)
            tokens.append(Token("punct", mark, i))
            i += len(mark)
    return tokens


def _string_end(text: str, start: int) -> int:
    quote, i, n = text[start], start + 1, len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    raise _refuse("an unterminated string", start)


def _name_end(text: str, start: int) -> tuple[int, str]:
    i, n, parts = start + 1, len(text), []
    while i < n:
        if text.startswith("``", i):
            parts.append("`")
            i += 2
        elif text[i] == "`":
            return i + 1, "".join(parts)
        else:
            if text[i] == "\\":
                raise _refuse("a backslash inside a backticked name", i)
            parts.append(text[i])
            i += 1
    raise _refuse("an unterminated backticked name", start)


def _param(text: str, start: int, tokens: list[Token]) -> int:
    i = start + 1
    if i < len(text) and text[i] == "(":      # a dynamic label or type: $(expression)
        tokens.append(Token("punct", "$", start))
        return i
    if i < len(text) and text[i] == "`":
        end, name = _name_end(text, i)
        tokens.append(Token("param", name, start))
        return end
    match = _IDENT.match(text, i) or re.compile(r"[0-9]+").match(text, i)
    if not match:
        raise _refuse("a $ without a parameter name", start)
    tokens.append(Token("param", match.group(0), start))
    return match.end()
