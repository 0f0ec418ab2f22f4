"""File uploads the way slack_sdk's files_upload_v2 makes them: upload URL, raw bytes, completion, and reading back."""

from __future__ import annotations

from typing import Any
from urllib.error import HTTPError

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack

DESIGN = "# Churn model\n\n## Goals\n- Keep customers ✨\r\n- 30-day horizon\n"


def _upload(client: WebClient, **kwargs: Any) -> dict[str, Any]:
    """Upload the design document with files_upload_v2; returns the shared file."""
    arguments = {"content": DESIGN, "filename": "design.md", "title": "Churn design"} | kwargs
    return client.files_upload_v2(**arguments)["file"]


def _reserve(client: WebClient, filename: str = "design.md", length: int = 10) -> dict[str, Any]:
    return client.files_getUploadURLExternal(filename=filename, length=length).data


def test_files_upload_v2_shares_the_file_in_the_thread(client: WebClient, fake: FakeSlack) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="Design review: churn model")["ts"]

    file = _upload(client, channel="C0MLTEAM", initial_comment="The design so far", thread_ts=parent)

    [reply] = fake.workspace.replies("C0MLTEAM", parent)
    assert (reply["text"], reply["bot_id"], reply["thread_ts"], reply["upload"]) == (
        "The design so far",
        "B0BOT",
        parent,
        True,
    )
    [shown] = reply["files"]
    assert {k: shown[k] for k in ("id", "name", "title", "mimetype", "filetype", "size", "user", "is_public")} == {
        "id": file["id"],
        "name": "design.md",
        "title": "Churn design",
        "mimetype": "text/markdown",
        "filetype": "markdown",
        "size": len(DESIGN.encode()),
        "user": "U0BOT",
        "is_public": True,
    }
    assert shown["url_private"] == f"{fake.base_url}files-pri/T0SANDBOX-{file['id']}/design.md"
    assert shown["url_private_download"] == f"{fake.base_url}files-pri/T0SANDBOX-{file['id']}/download/design.md"
    assert shown["permalink"] == f"{fake.base_url}files/U0BOT/{file['id']}/design.md"
    assert [m["text"] for m in fake.workspace.messages("C0MLTEAM")] == ["Design review: churn model"]
    assert file["shares"]["public"]["C0MLTEAM"][0] | {"ts": "-"} == {
        "reply_users": [],
        "reply_users_count": 0,
        "reply_count": 0,
        "ts": "-",
        "channel_name": "ml-team",
        "team_id": "T0SANDBOX",
        "share_user_id": "U0BOT",
        "source": "UNKNOWN",
        "thread_ts": parent,
    }
    assert file["channels"] == ["C0MLTEAM"]


def test_the_content_reads_back_as_sent(client: WebClient, fake: FakeSlack) -> None:
    file = _upload(client, channel="C0MLTEAM")

    stored = fake.workspace.file(file["id"])
    download = httpx.get(file["url_private_download"])
    inline = httpx.get(file["url_private"])

    assert stored is not None and stored["state"] == "complete"
    assert (stored["content"], stored["text"], stored["length"]) == (DESIGN.encode(), DESIGN, len(DESIGN.encode()))
    assert download.status_code == 200 and download.content == DESIGN.encode()
    assert download.headers["content-type"].startswith("text/markdown")
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''design.md"
    assert download.headers["content-security-policy"] == "sandbox"
    assert inline.content == DESIGN.encode() and inline.headers["content-disposition"].startswith("inline")
    assert httpx.get(file["permalink"], follow_redirects=True).content == DESIGN.encode()
    assert [f["id"] for f in fake.workspace.files()] == [file["id"]]


def test_the_requests_are_logged_like_other_calls(client: WebClient, fake: FakeSlack) -> None:
    file = _upload(client, channel="C0MLTEAM", initial_comment="hi")

    methods = [c.method for c in fake.workspace.calls()]
    [reserve] = fake.workspace.calls("files.getUploadURLExternal")
    [upload] = fake.workspace.calls("upload_url")
    [complete] = fake.workspace.calls("files.completeUploadExternal")

    assert methods == ["files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]
    assert (reserve.params["filename"], reserve.params["length"]) == ("design.md", str(len(DESIGN.encode())))
    assert reserve.response["upload_url"] == f"{fake.base_url}upload/v1/{file['id']}"
    assert (upload.params["file_id"], upload.params["length"], upload.response) == (
        file["id"],
        len(DESIGN.encode()),
        {"ok": True},
    )
    assert complete.params["channel_id"] == "C0MLTEAM" and complete.response["files"][0]["id"] == file["id"]


def test_the_upload_url_is_on_the_address_the_client_used(fake: FakeSlack) -> None:
    api_url = f"http://localhost:{fake.port}/api/"
    client = WebClient(token=fake.workspace.bot_token, base_url=api_url)

    reserved = _reserve(client)
    file = _upload(client, channel="C0MLTEAM")

    assert reserved["upload_url"] == f"http://localhost:{fake.port}/upload/v1/{reserved['file_id']}"
    assert file["url_private"].startswith(f"http://localhost:{fake.port}/files-pri/")


def test_files_info_describes_a_shared_file(client: WebClient, fake: FakeSlack) -> None:
    file = _upload(client, channel="C0MLTEAM")

    info = client.files_info(file=file["id"])

    assert info["file"] == file
    assert info["comments"] == []


def test_an_upload_without_a_channel_stays_private(client: WebClient, fake: FakeSlack) -> None:
    file = _upload(client)

    assert fake.workspace.messages("C0MLTEAM") == []
    assert (file["channels"], file["shares"], file["is_public"]) == ([], {}, False)
    assert httpx.get(file["url_private_download"]).content == DESIGN.encode()


def test_several_files_share_one_message(client: WebClient, fake: FakeSlack) -> None:
    client.files_upload_v2(
        file_uploads=[
            {"content": DESIGN, "filename": "design.md", "title": "Design"},
            {"content": b"a,b\n1,2\n", "filename": "metrics.csv"},
        ],
        channel="C0MLTEAM",
        initial_comment="Two files",
    )

    [message] = fake.workspace.messages("C0MLTEAM")
    assert [(f["title"], f["mimetype"]) for f in message["files"]] == [
        ("Design", "text/markdown"),
        ("metrics.csv", "text/csv"),
    ]


def test_a_multipart_upload_keeps_the_files_bytes(client: WebClient, fake: FakeSlack) -> None:
    data = bytes(range(256)) + b"\r\n--not-a-boundary\r\n\n\r"
    reserved = _reserve(client, "weights.bin", len(data))

    answer = httpx.post(reserved["upload_url"], files={"file": ("weights.bin", data, "application/octet-stream")})
    client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}], channel_id="C0RANDOM")

    stored = fake.workspace.file(reserved["file_id"])
    assert (answer.status_code, answer.text) == (200, f"OK - {len(data)}")
    assert stored is not None and stored["content"] == data and stored["text"] is None
    assert (stored["title"], stored["mimetype"], stored["filetype"]) == (
        "weights.bin",
        "application/octet-stream",
        "bin",
    )


# -- errors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"length": 10}, "invalid_arguments"),
        ({"filename": "design.md"}, "invalid_arguments"),
        ({"filename": "design.md", "length": "ten"}, "invalid_arguments"),
        ({"filename": "design.md", "length": 0}, "missing_argument"),
        ({"filename": "design.md", "length": 10, "alt_txt": "x" * 1001}, "alt_txt_too_large"),
    ],
    ids=["no filename", "no length", "length not a number", "empty file", "alt text too long"],
)
def test_get_upload_url_validates_its_arguments(client: WebClient, arguments: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("files.getUploadURLExternal", data=arguments)
    assert err.value.response["error"] == error


def test_completing_a_file_that_was_never_uploaded_is_file_not_found(client: WebClient, fake: FakeSlack) -> None:
    reserved = _reserve(client)
    for file_id in ("F0NEVER", reserved["file_id"]):
        with pytest.raises(SlackApiError) as err:
            client.files_completeUploadExternal(files=[{"id": file_id}], channel_id="C0MLTEAM")
        assert err.value.response["error"] == "file_not_found"
    assert fake.workspace.messages("C0MLTEAM") == []


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"channel_id": "C0NOPE"}, "channel_not_found"),
        ({"channels": "C0MLTEAM,C0NOPE"}, "channel_not_found"),
        ({"thread_ts": "1700000000.000100"}, "invalid_arguments"),
        ({"channel_id": "C0MLTEAM", "initial_comment": "x" * 40_001}, "msg_too_long"),
        ({"channel_id": "C0MLTEAM", "blocks": '{"type": "divider"}'}, "invalid_blocks"),
    ],
    ids=["unknown channel", "one unknown channel of two", "thread without channel", "comment too long", "bad blocks"],
)
def test_a_refused_completion_shares_nothing(
    client: WebClient, fake: FakeSlack, arguments: dict[str, Any], error: str
) -> None:
    reserved = _reserve(client, length=3)
    httpx.post(reserved["upload_url"], content=b"abc")

    with pytest.raises(SlackApiError) as err:
        client.api_call(
            "files.completeUploadExternal", data={"files": f'[{{"id": "{reserved["file_id"]}"}}]'} | arguments
        )

    assert err.value.response["error"] == error
    assert fake.workspace.messages("C0MLTEAM") == []
    stored = fake.workspace.file(reserved["file_id"])
    assert stored is not None and stored["state"] == "uploaded", "the upload can still be completed"


@pytest.mark.parametrize("files", ["", "not json", '{"id": "F1"}', "[]", '[{"title": "no id"}]'])
def test_completion_needs_a_list_of_file_ids(client: WebClient, files: str) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("files.completeUploadExternal", data={"files": files, "channel_id": "C0MLTEAM"})
    assert err.value.response["error"] == "invalid_arguments"


def test_upload_urls_work_only_until_completion(client: WebClient, fake: FakeSlack) -> None:
    unknown = httpx.post(f"{fake.base_url}upload/v1/F0NOPE", content=b"data")
    file = _upload(client, channel="C0MLTEAM")
    [reserve] = fake.workspace.calls("files.getUploadURLExternal")
    spent = httpx.post(reserve.response["upload_url"], content=b"overwrite")

    assert (unknown.status_code, unknown.text) == (404, "file_not_found")
    assert spent.status_code == 404
    assert httpx.get(file["url_private_download"]).content == DESIGN.encode()
    assert fake.workspace.calls("upload_url")[0].response == {"ok": False, "error": "file_not_found"}


def test_unshared_or_unknown_files_are_not_found(client: WebClient, fake: FakeSlack) -> None:
    reserved = _reserve(client, length=3)
    httpx.post(reserved["upload_url"], content=b"abc")

    for file_id in ("F0NOPE", reserved["file_id"]):
        with pytest.raises(SlackApiError) as err:
            client.files_info(file=file_id)
        assert err.value.response["error"] == "file_not_found"
        assert httpx.get(f"{fake.base_url}files-pri/T0SANDBOX-{file_id}/x.md").status_code == 404
    assert httpx.get(f"{fake.base_url}files/U0BOT/{reserved['file_id']}/x.md").status_code == 404


def test_fail_next_fails_each_step_then_recovers(client: WebClient, fake: FakeSlack) -> None:
    fake.workspace.fail_next("files.getUploadURLExternal", "ratelimited")
    with pytest.raises(SlackApiError) as reserve:
        _upload(client, channel="C0MLTEAM")
    fake.workspace.fail_next("upload_url", http_status=503)
    with pytest.raises(HTTPError, match="503"):  # slack_sdk's urllib upload lets the HTTP error through
        _upload(client, channel="C0MLTEAM")
    fake.workspace.fail_next("files.completeUploadExternal", http_status=429, retry_after=3)
    with pytest.raises(SlackApiError) as complete:
        _upload(client, channel="C0MLTEAM")
    file = _upload(client, channel="C0MLTEAM")

    assert reserve.value.response["error"] == "ratelimited"
    assert (complete.value.response.status_code, complete.value.response.headers["Retry-After"]) == (429, "3")
    assert [m["files"][0]["id"] for m in fake.workspace.messages("C0MLTEAM")] == [file["id"]]
    assert fake.workspace.calls("upload_url")[0].response == {"ok": False, "error": "ratelimited"}
