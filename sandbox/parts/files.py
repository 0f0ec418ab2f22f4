"""Files uploaded in two steps (getUploadURLExternal, then completeUploadExternal) and shared in channels."""

from __future__ import annotations

import base64
import copy
import mimetypes
import secrets
from typing import Any
from urllib.parse import quote

from sandbox.parts.base import Part
from sandbox.records import (
    SlackError,
)

# By extension: (mimetype, Slack's filetype, Slack's pretty_type); anything else is guessed, or Slack's "binary".
FILE_TYPES = {
    "md": ("text/markdown", "markdown", "Markdown (raw)"),
    "markdown": ("text/markdown", "markdown", "Markdown (raw)"),
    "txt": ("text/plain", "text", "Plain Text"),
    "csv": ("text/csv", "csv", "CSV"),
    "json": ("application/json", "json", "JSON"),
    "py": ("text/x-python", "python", "Python"),
    "html": ("text/html", "html", "HTML"),
    "pdf": ("application/pdf", "pdf", "PDF"),
    "png": ("image/png", "png", "PNG"),
    "jpg": ("image/jpeg", "jpg", "JPEG"),
    "jpeg": ("image/jpeg", "jpg", "JPEG"),
    "gif": ("image/gif", "gif", "GIF"),
}


class FilesPart(Part):
    """Files uploaded in two steps (getUploadURLExternal, then completeUploadExternal) and shared in channels."""

    # -- files ---------------------------------------------------------------------------------------------

    def start_upload(self, filename: str, length: int, *, alt_txt: str = "", snippet_type: str = "") -> dict[str, Any]:
        """Reserve a file id for the bot's upload (files.getUploadURLExternal); the bytes come to its upload URL."""
        mimetype, filetype, pretty_type = file_type(filename)
        with self._cond:
            file_id = "F0" + secrets.token_hex(5).upper()
            self._files[file_id] = {
                "id": file_id,
                "name": filename,
                "title": filename,
                "mimetype": mimetype,
                "filetype": filetype,
                "pretty_type": pretty_type,
                "length": length,
                "size": 0,
                "user": self.bot.id,
                "created": int(self.now()),
                "alt_txt": alt_txt,
                "snippet_type": snippet_type,
                "state": "pending",
                "shares": [],
                "content": b"",
            }
            self._changed()
            return self.file(file_id) or {}

    def receive_upload(self, file_id: str, content: bytes) -> int:
        """Keep the bytes posted to a file's upload URL; returns their length.

        An upload URL works until its upload is completed, like Slack's: `file_not_found` for an unknown or
        completed file.
        """
        with self._cond:
            record = self._files.get(file_id)
            if record is None or record["state"] == "complete":
                raise SlackError("file_not_found")
            record |= {"content": bytes(content), "size": len(content), "state": "uploaded"}
            self._changed()
            return len(content)

    def complete_uploads(
        self,
        files: list[tuple[str, str | None]],
        *,
        base_url: str,
        channels: list[str] | None = None,
        initial_comment: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> list[dict[str, Any]]:
        """Finish uploads (files.completeUploadExternal): each (file id, title) is marked complete and, per channel,
        the bot posts one message carrying them all. Nothing changes unless every file was uploaded
        (`file_not_found`) and every channel exists. Returns the files in Slack's shape.
        """
        with self._cond:
            records = []
            for file_id, _ in files:
                record = self._files.get(file_id)
                if record is None or record["state"] == "pending":
                    raise SlackError("file_not_found")
                records.append(record)
            conversations = [self.channel(c) for c in channels or []]
            for record, (_, title) in zip(records, files, strict=True):
                record["state"] = "complete"
                if title:
                    record["title"] = title
            in_public = any(c.kind == "channel" for c in conversations)
            shown = [self._file_object(r, base_url, with_shares=False) | {"is_public": in_public} for r in records]
            for conversation in conversations:
                message = self.post_message(
                    conversation.id,
                    text=initial_comment,
                    blocks=None if initial_comment else blocks,
                    thread_ts=thread_ts,
                    extra={"files": copy.deepcopy(shown), "upload": True, "display_as_bot": False},
                )
                for record in records:
                    record["shares"].append({"channel": conversation.id, "ts": message["ts"], "thread_ts": thread_ts})
            self._changed()
            return [self._file_object(r, base_url) for r in records]

    def file_info(self, file_id: str, base_url: str) -> dict[str, Any]:
        """A completed file in Slack's shape (files.info), with its URLs on `base_url`; else `file_not_found`."""
        with self._cond:
            record = self._files.get(file_id)
            if record is None or record["state"] != "complete":
                raise SlackError("file_not_found")
            return self._file_object(record, base_url)

    def file(self, file_id: str) -> dict[str, Any] | None:
        """What the fake holds for one file, or None: its metadata, `state` (pending, uploaded, complete), where it
        was shared, `content` (bytes) and `text` (the content as UTF-8, or None if it isn't), for tests to check.
        """
        with self._cond:
            record = self._files.get(file_id)
            if record is None:
                return None
            stored = copy.deepcopy(record)
        try:
            stored["text"] = stored["content"].decode("utf-8")
        except UnicodeDecodeError:
            stored["text"] = None
        return stored

    def files(self) -> list[dict[str, Any]]:
        """Every file, as `file()` describes it, oldest first."""
        with self._cond:
            ids = list(self._files)
        return [f for f in map(self.file, ids) if f is not None]

    def _file_object(self, record: dict[str, Any], base_url: str, *, with_shares: bool = True) -> dict[str, Any]:
        """A file in Slack's shape; messages carry it without the shares, as Slack's do."""
        base = base_url.rstrip("/") + "/"
        name = quote(record["name"], safe="")
        private = f"{base}files-pri/{self.team_id}-{record['id']}/"
        kinds = {s["channel"]: self._channels[s["channel"]].kind for s in record["shares"]}
        public_channels = [c for c, kind in kinds.items() if kind == "channel"]
        file: dict[str, Any] = {
            "id": record["id"],
            "created": record["created"],
            "timestamp": record["created"],
            "name": record["name"],
            "title": record["title"],
            "mimetype": record["mimetype"],
            "filetype": record["filetype"],
            "pretty_type": record["pretty_type"],
            "user": record["user"],
            "user_team": self.team_id,
            "editable": False,
            "size": record["size"],
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(public_channels),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private + name,
            "url_private_download": f"{private}download/{name}",
            "permalink": f"{base}files/{record['user']}/{record['id']}/{name}",
            "comments_count": 0,
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if record["alt_txt"]:
            file["alt_txt"] = record["alt_txt"]
        if not with_shares:
            return file
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for share in record["shares"]:
            channel = self._channels[share["channel"]]
            entry = {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": share["ts"],
                "channel_name": channel.name,
                "team_id": self.team_id,
                "share_user_id": record["user"],
                "source": "UNKNOWN",
            }
            if share["thread_ts"]:
                entry["thread_ts"] = share["thread_ts"]
            visibility = "public" if channel.kind == "channel" else "private"
            shares.setdefault(visibility, {}).setdefault(channel.id, []).append(entry)
        return file | {
            "shares": shares,
            "channels": public_channels,
            "groups": [c for c, kind in kinds.items() if kind == "group"],
            "ims": [c for c, kind in kinds.items() if kind == "im"],
        }


def file_type(filename: str) -> tuple[str, str, str]:
    """(mimetype, filetype, pretty_type) of a file by its name's extension, as Slack describes files."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension in FILE_TYPES:
        return FILE_TYPES[extension]
    guessed = mimetypes.guess_type(filename)[0]
    return guessed or "application/octet-stream", extension or "binary", extension.upper() or "Binary"


def file_to_json(record: dict[str, Any]) -> dict[str, Any]:
    return record | {"content": base64.b64encode(record["content"]).decode("ascii")}


def file_from_json(data: dict[str, Any]) -> dict[str, Any]:
    return data | {"content": base64.b64decode(data["content"])}
