"""What a person sees of a Slack message: its fallback text and the text of every block element."""

from __future__ import annotations

from typing import Any


def texts(message: dict[str, Any]) -> list[str]:
    found = [message.get("text", "")]

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(message.get("blocks", []))
    return found


def all_text(message: dict[str, Any]) -> str:
    return "\n".join(texts(message))
