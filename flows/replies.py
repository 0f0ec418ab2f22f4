"""What a reply in a design's thread is: an answer, or discussion. Teams talk in threads, so the rule has to be one a
person can predict from the question message, which states it:

- a reply that mentions someone, ends with a question mark, or starts with ">" or "note:" is discussion;
- any other reply answers the question right above it.

After the walkthrough has ended, a reply answers only a question it names by number ("7: …", "Q7 …" or "#7 …").
The functions read Slack's text as it arrives (mentions as ``<@U…>``, a typed ">" as ``&gt;``), in time linear in
its length.
"""

from __future__ import annotations

ASIDE_PREFIXES = (">", "&gt;", "note:", "aside:")
MENTION_MARKERS = ("<@", "<!subteam^", "<!here", "<!channel", "<!everyone")
LOOKS_AT = 40  # characters at the start of a reply that can name a question


def is_discussion(slack_text: str) -> bool:
    """Whether a reply talks rather than answers: it mentions someone, asks, or says it is an aside."""
    text = slack_text.strip()
    if not text:
        return True
    return (
        any(marker in text for marker in MENTION_MARKERS)
        or text.endswith("?")
        or text[: len("aside:")].casefold().startswith(ASIDE_PREFIXES)
    )


def named_question(text: str, total: int) -> tuple[int, str] | None:
    """(question number, the rest) when a reply starts by naming a question ("7: …", "Q7 …", "#7 - …"), else None."""
    head = text.lstrip()[:LOOKS_AT]
    rest_from = len(text) - len(text.lstrip())
    at = 0
    if head[:1] in ("#", "Q", "q"):
        at = 1
    digits = 0
    while at + digits < len(head) and head[at + digits].isdigit() and digits < 3:
        digits += 1
    if not digits:
        return None
    number = int(head[at : at + digits])
    at += digits
    separator = head[at : at + 1]
    if separator not in (":", ".", ")", "-", " ", "—") or not 1 <= number <= total:
        return None
    rest = text[rest_from + at :].lstrip(" :.)-—\t")
    return (number, rest) if rest.strip() else None
