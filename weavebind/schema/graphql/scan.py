"""A GraphQL document's brackets outside strings and comments, for the checks made before (or instead of)
handing the text to graphql-core's parser."""

from __future__ import annotations

from collections.abc import Iterator

OPENING, CLOSING = "([{", ")]}"


def brackets(query: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, bracket, depth after it) for every bracket from `start` on, skipping strings and `#` comments."""
    depth = 0
    in_string = in_comment = escaped = False
    for index in range(start, len(query)):
        char = query[index]
        if in_comment:
            in_comment = char not in "\r\n"
        elif in_string:
            escaped, in_string = (not escaped and char == "\\"), (escaped or char != '"')
        elif char == '"':
            in_string = True
        elif char == "#":
            in_comment = True
        elif char in OPENING:
            depth += 1
            yield index, char, depth
        elif char in CLOSING:
            depth -= 1
            yield index, char, depth
