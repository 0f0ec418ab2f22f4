"""`/mldesign <verb> …`: answered in the acknowledgement itself; posts to the channel (a new design, its
summary, its document) follow it in the background."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot import blocks, workflow
from bot.blocks import Message
from bot.export import ExportRequest
from bot.publisher import answer_statuses
from bot.rendering import unescape_slack
from bot.services import Services
from flows import walkthrough
from flows.assessment import assess
from flows.commands import Export, Help, ListDesigns, Start, Status, Summary, parse_command
from storage import repositories as repo


def mldesign_command(services: Services) -> Callable[..., None]:
    def handle_mldesign(ack: Ack, command: dict[str, Any]) -> None:
        team_id, channel_id = command["team_id"], command["channel_id"]
        match parse_command(unescape_slack(command.get("text", ""))):
            case Help():
                _reply(ack, blocks.notice("help.j2"))
            case ListDesigns():
                _reply(ack, _list(services, team_id, channel_id))
            case Status(name):
                _reply(ack, _status(services, team_id, channel_id, name))
            case Start(name):
                with services.unit_of_work() as session:
                    design = workflow.start_design(
                        session=session,
                        catalog=services.catalog,
                        team_id=team_id,
                        channel_id=channel_id,
                        user_id=command["user_id"],
                        name=name,
                        response_url=command.get("response_url"),
                        now=services.clock.now(),
                    )
                    design_id = design.id
                ack()
                assert design_id is not None
                services.publisher.schedule(team_id, design_id)
            case Summary(name):
                with services.unit_of_work() as session:
                    design = workflow.request_summary(
                        session=session, team_id=team_id, channel_id=channel_id, name=name, now=services.clock.now()
                    )
                    design_id, design_name, posted = design.id, design.name, design.summary_ts is not None
                _reply(ack, blocks.notice("summary_requested.j2", name=design_name, posted=posted))
                assert design_id is not None
                services.publisher.schedule(team_id, design_id)
            case Export(name):
                with services.read_only() as session:
                    design = workflow.find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
                    design_id, design_name = design.id, design.name
                _reply(ack, blocks.notice("export_requested.j2", name=design_name))
                assert design_id is not None
                services.export(ExportRequest(team_id, design_id, command["user_id"], command.get("response_url")))

    return handle_mldesign


def _reply(ack: Ack, message: Message) -> None:
    ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


def _list(services: Services, team_id: str, channel_id: str) -> Message:
    with services.read_only() as session:
        items = []
        for design in repo.list_designs(session=session, team_id=team_id, channel_id=channel_id):
            assert design.id is not None
            answers = repo.current_answers(session=session, team_id=team_id, design_id=design.id)
            items.append(
                {
                    "name": design.name,
                    "permalink": design.permalink,
                    "complete": design.current_question_id is None,
                    "progress": walkthrough.progress(services.catalog, answer_statuses(answers)),
                }
            )
    return blocks.notice("list.j2", designs=items)


def _status(services: Services, team_id: str, channel_id: str, name: str) -> Message:
    with services.read_only() as session:
        design = workflow.find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
        assert design.id is not None
        answers = repo.current_answers(session=session, team_id=team_id, design_id=design.id)
    current = design.current_question_id
    assessment = assess(services.catalog, answers)
    return blocks.notice(
        "status.j2",
        name=design.name,
        permalink=design.permalink,
        started_by=design.started_by,
        progress=walkthrough.progress(services.catalog, answer_statuses(answers)),
        readiness=assessment.readiness,
        findings=assessment.findings,
        current_prompt=services.catalog.question(current).prompt if current in services.catalog else None,
    )
