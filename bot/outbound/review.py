"""The review's message in a design's thread: one per round, posted at most once across crashes and kept current.

A round is asked for by `/mldesign review` (``Design.review_round`` moves past what was posted) or by new answers
outdating an approval given since the last round (``flows.signoff.asks_again``): its message mentions who must act
and, for approvers asked again, what changed. Between rounds, the latest message is updated in place as verdicts
come in (an update notifies nobody).
"""

from __future__ import annotations

from bot.outbound.posting import Posting
from bot.outbound.slack_errors import skipping_message_errors
from bot.outbound.snapshot import Snapshot
from bot.render.ids import MetadataType
from bot.render.signoff import review_message
from flows.signoff import Review, asks_again


class ReviewSync:
    def __init__(self, posting: Posting) -> None:
        self._posting = posting

    def sync(self, snapshot: Snapshot) -> None:
        design, review = snapshot.design, snapshot.review
        if review is None or design.parent_ts is None:
            return
        requested = design.review_round > design.review_posted_round
        again = asks_again(review, design.review_version)
        if requested or again:
            self._post_round(snapshot, review, again=again and not requested)
        elif design.review_ts is not None:
            message = review_message(
                design=design, catalog=snapshot.catalog, review=review, asking=_undecided(review), changed=()
            )
            with skipping_message_errors(f"updating the review of design {design.id}"):
                self._posting.slack(design).chat_update(
                    channel=design.channel_id, ts=design.review_ts, text=message.text, blocks=message.blocks
                )

    def _post_round(self, snapshot: Snapshot, review: Review, *, again: bool) -> None:
        design = snapshot.design
        number = design.review_posted_round + 1
        asking = review.stale_approvers if again else _undecided(review)
        changed = snapshot.review_changed if again else ()
        message = review_message(design=design, catalog=snapshot.catalog, review=review, asking=asking, changed=changed)
        ts, _ = self._posting.post_once(
            design,
            claim="review_claimed_at",
            event_type=MetadataType.REVIEW,
            build=lambda: message,
            thread_ts=design.parent_ts,
            payload={"design_id": design.id, "round": number},
        )
        self._posting.record(
            design, review_ts=ts, review_posted_round=number, review_version=review.version, review_claimed_at=None
        )


def _undecided(review: Review) -> tuple[str, ...]:
    """Who the review still waits on: everyone who hasn't approved the answers as they are (a request for changes
    included: asking again is how an owner says the changes are made)."""
    return tuple(reviewer.user_id for reviewer in review.reviewers if not reviewer.approved)
