"""What a listener that records something is given: nothing else of the process."""

from __future__ import annotations

from dataclasses import dataclass

from bot.base.clock import Clock
from bot.inbound.transactions import Transactions
from bot.jobs.outbox import Outbox
from bot.usecases.catalogs import Catalogs


@dataclass(frozen=True)
class Recording:
    """The database (a unit of work that also stores the request's signature), the catalogs a design's questions
    come from, the time, and the jobs a change leads to after the acknowledgement."""

    db: Transactions
    catalogs: Catalogs
    clock: Clock
    outbox: Outbox
    public_url: str | None = None  # where monitoring reaches this bot, shown with a design's alert webhook
