"""A parser for the JQL subset the emulator understands.

Grammar (keywords case-insensitive)::

    query   := [or] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    or      := and {OR and}
    and     := not {AND not}
    not     := NOT not | "(" or ")" | clause
    clause  := field op value
    op      := = | != | > | >= | < | <= | ~ | !~ | IN | NOT IN | IS | IS NOT
    value   := word | "string" | 'string' | EMPTY | NULL | name(args) | "(" value {, value} ")"

Syntax errors raise :class:`JqlError` with Jira's wording and 1-based position, which the
server answers with HTTP 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "And",
    "Clause",
    "Function",
    "JqlError",
    "Literal",
    "Node",
    "Not",
    "Or",
    "Query",
    "Value",
    "parse",
]


class JqlError(ValueError):
    """A JQL query Jira would reject with HTTP 400; the message is Jira's."""


@dataclass(frozen=True, slots=True)
class Literal:
    """A quoted or unquoted value; ``EMPTY``/``NULL`` come through with ``empty`` set."""

    text: str
    quoted: bool = False
    empty: bool = False


@dataclass(frozen=True, slots=True)
class Function:
    """A JQL function call such as ``now()``."""

    name: str
    args: tuple[str, ...]


Value = Literal | Function


@dataclass(frozen=True, slots=True)
class Clause:
    """``field op value``; ``values`` has one item except for IN / NOT IN lists."""

    field: str
    operator: str
    values: tuple[Value, ...]
    position: int


@dataclass(frozen=True, slots=True)
class And:
    """All of ``parts`` hold."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one of ``parts`` holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``part`` does not hold."""

    part: Node


Node = Clause | And | Or | Not


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: an optional restriction and the ORDER BY list (field, descending)."""

    where: Node | None
    order: tuple[tuple[str, bool], ...]


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<quote>["'])
      | (?P<word>[^\s(),=!<>~"']+)
    )""",
    re.VERBOSE,
)
_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # op, punct, string, word, end
    text: str
    position: int  # 1-based character

    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokenise(jql: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while True:
        while index < len(jql) and jql[index].isspace():
            index += 1
        if index >= len(jql):
            tokens.append(_Token("end", "", index + 1))
            return tokens
        match = _TOKEN.match(jql, index)
        if match is None:  # pragma: no cover - every character matches some alternative
            raise _error(f"Illegal character '{jql[index]}'", index + 1)
        start = match.start(match.lastgroup or "word")
        if match.lastgroup == "quote":
            text, index = _read_string(jql, start)
            tokens.append(_Token("string", text, start + 1))
            continue
        kind = str(match.lastgroup)
        tokens.append(_Token(kind, match.group(kind), start + 1))
        index = match.end()


def _read_string(jql: str, start: int) -> tuple[str, int]:
    quote = jql[start]
    chars: list[str] = []
    index = start + 1
    while index < len(jql):
        char = jql[index]
        if char == "\\" and index + 1 < len(jql):
            chars.append(jql[index + 1])
            index += 2
            continue
        if char == quote:
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    raise _error(f"The quoted string '{''.join(chars)}' has not been completed", start + 1)


def _error(message: str, position: int) -> JqlError:
    return JqlError(f"Error in the JQL Query: {message}. (line 1, character {position})")


class _Parser:
    def __init__(self, jql: str) -> None:
        self.tokens = _tokenise(jql)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, what: str, token: _Token) -> JqlError:
        got = "end of query" if token.kind == "end" else f"'{token.text}'"
        return _error(f"Expecting {what} but got {got}", token.position)

    def query(self) -> Query:
        where = None
        if self.current.kind != "end" and not self._at_order_by():
            where = self.or_()
        order: list[tuple[str, bool]] = []
        if self._at_order_by():
            self.index += 2
            order.append(self.sort_item())
            while self.current.kind == "punct" and self.current.text == ",":
                self.take()
                order.append(self.sort_item())
        if self.current.kind != "end":
            raise self.expect("either 'OR' or 'AND'", self.current)
        return Query(where, tuple(order))

    def _at_order_by(self) -> bool:
        return self.current.upper() == "ORDER" and self.tokens[self.index + 1].upper() == "BY"

    def sort_item(self) -> tuple[str, bool]:
        token = self.take()
        if token.kind not in ("word", "string"):
            raise self.expect("a field name", token)
        descending = False
        if self.current.upper() in ("ASC", "DESC"):
            descending = self.take().upper() == "DESC"
        return token.text, descending

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.current.upper() == "OR":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.not_()]
        while self.current.upper() == "AND":
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_(self) -> Node:
        token = self.current
        if token.upper() == "NOT":
            self.take()
            return Not(self.not_())
        if token.kind == "punct" and token.text == "(":
            self.take()
            node = self.or_()
            closing = self.take()
            if closing.text != ")" or closing.kind != "punct":
                raise self.expect("')'", closing)
            return node
        return self.clause()

    def clause(self) -> Clause:
        field = self.take()
        if field.kind not in ("word", "string") or field.upper() in ("AND", "OR", "ORDER"):
            raise self.expect("a field name", field)
        operator = self.operator()
        if operator in ("in", "not in"):
            return Clause(field.text, operator, self.value_list(), field.position)
        value = self.value()
        if (
            isinstance(value, Literal)
            and value.empty
            and operator not in ("is", "is not", "=", "!=")
        ):
            raise _error(f"The operator '{operator}' cannot be used with EMPTY", field.position)
        if operator in ("is", "is not") and not (isinstance(value, Literal) and value.empty):
            raise _error("Expecting 'EMPTY' or 'NULL' after 'IS'", field.position)
        return Clause(field.text, operator, (value,), field.position)

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op":
            return token.text
        word = token.upper()
        if word == "IN":
            return "in"
        if word == "IS":
            if self.current.upper() == "NOT":
                self.take()
                return "is not"
            return "is"
        if word == "NOT" and self.current.upper() == "IN":
            self.take()
            return "not in"
        got = "end of query" if token.kind == "end" else f"'{token.text}'"
        raise _error(
            f"Expecting operator but got {got}. The valid operators are {_OPERATORS}",
            token.position,
        )

    def value_list(self) -> tuple[Value, ...]:
        opening = self.take()
        if opening.kind != "punct" or opening.text != "(":
            raise self.expect("'('", opening)
        values = [self.value()]
        while self.current.kind == "punct" and self.current.text == ",":
            self.take()
            values.append(self.value())
        closing = self.take()
        if closing.kind != "punct" or closing.text != ")":
            raise self.expect("')'", closing)
        return tuple(values)

    def value(self) -> Value:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text, quoted=True)
        if token.kind != "word":
            raise self.expect("either a value, list or function", token)
        if token.upper() in ("EMPTY", "NULL"):
            return Literal(token.text, empty=True)
        if self.current.kind == "punct" and self.current.text == "(":
            return self.function(token.text)
        return Literal(token.text)

    def function(self, name: str) -> Function:
        self.take()
        args: list[str] = []
        while not (self.current.kind == "punct" and self.current.text == ")"):
            token = self.take()
            if token.kind == "end":
                raise self.expect("')'", token)
            if token.kind in ("word", "string"):
                args.append(token.text)
        self.take()
        return Function(name, tuple(args))


def parse(jql: str) -> Query:
    """Parse *jql*; raise :class:`JqlError` (Jira's 400 message) when it is malformed."""
    return _Parser(jql).query()
