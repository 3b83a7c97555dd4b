"""How rules combine: each rule's `condition` joins it to the next, parentheses group.

AND binds tighter than OR, as in SQL and in most people's reading: ``a and b or c`` is
``(a and b) or c``. The last rule's condition joins nothing and is ignored. With
``combined_as_and`` every rule is AND-ed and conditions and parentheses are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mailroom.criteria.schemas import Rule, problem

T = TypeVar("T")


def check_parentheses(rules: Sequence[Rule]) -> list[dict[str, Any]]:
    """Problems with the parentheses: one closing what was never opened, or left open."""
    depth = 0
    opened: list[int] = []
    for rule in rules:
        depth += rule.left
        opened.extend([rule.position] * rule.left)
        if rule.right > depth:
            message = "right_parenthesis closes a parenthesis that was not opened"
            return [problem(rule.position, rule.field_name, "right_parenthesis", message)]
        depth -= rule.right
        del opened[len(opened) - rule.right :]
    if depth:
        first = rules[opened[0]] if opened and opened[0] < len(rules) else rules[0]
        message = f"{depth} left parenthesis not closed"
        return [problem(first.position, first.field_name, "left_parenthesis", message)]
    return []


def combine(
    rules: Sequence[Rule],
    clauses: Sequence[T],
    all_of: Callable[[list[T]], T],
    any_of: Callable[[list[T]], T],
    *,
    combined_as_and: bool = False,
) -> T:
    """One expression from the rules' clauses (parentheses already checked)."""
    if combined_as_and:
        return all_of(list(clauses))
    tokens: list[Any] = []
    for i, (rule, clause) in enumerate(zip(rules, clauses, strict=True)):
        tokens.extend(["("] * rule.left)
        tokens.append(("clause", clause))
        tokens.extend([")"] * rule.right)
        if i < len(rules) - 1:
            tokens.append(rule.condition)
    at = 0

    def expression() -> T:
        nonlocal at
        terms = [term()]
        while at < len(tokens) and tokens[at] == "or":
            at += 1
            terms.append(term())
        return terms[0] if len(terms) == 1 else any_of(terms)

    def term() -> T:
        nonlocal at
        factors = [factor()]
        while at < len(tokens) and tokens[at] == "and":
            at += 1
            factors.append(factor())
        return factors[0] if len(factors) == 1 else all_of(factors)

    def factor() -> T:
        nonlocal at
        token = tokens[at]
        at += 1
        if token == "(":
            inside = expression()
            at += 1  # the matching ")"
            return inside
        return token[1]  # type: ignore[no-any-return]

    return expression()
