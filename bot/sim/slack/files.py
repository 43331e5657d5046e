"""File hosting in the simulated workspace: files people share (generated chunk by chunk, so a
1 GiB recording never sits in memory), their `files-pri` downloads with Slack's login page for a
missing token, and the app's external uploads (files.getUploadURLExternal, the upload target,
files.completeUploadExternal).

May import: the standard library, aiohttp, bot.sim.slack.faults, .views, .model and .wire.
"""

from __future__ import annotations

import json
import mimetypes
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sim.slack.faults import Faults
from bot.sim.slack.model import ApiError, Download, HostedFile, RecordedCall
from bot.sim.slack.views import Views
from bot.sim.slack.wire import FILETYPES, LOGIN_PAGE, patterned


class FileHost(Faults, Views):
    """Files in, files out (mixed into SlackSim)."""

    def add_file(
        self,
        name: str,
        content: bytes | None = None,
        *,
        size: int | None = None,
        generator: Callable[[int], bytes] | None = None,
        mimetype: str | None = None,
        filetype: str | None = None,
        user: str = "U0ALICE",
        redirect_to: str | None = None,
        duration_ms: int | None = None,
        title: str | None = None,
        file_id: str | None = None,
        chunked: bool = False,
    ) -> dict[str, Any]:
        """Host a file and return its Slack file object (shaped like the fixtures).

        Without `content` the bytes are generated on the fly, `size` long (default
        256 KiB), by `generator(index) -> 1 MiB chunk` or `patterned(filetype)`: a
        1 GiB file never sits in memory. `redirect_to` makes authorised downloads
        answer 302 to that URL. `chunked` serves the bytes without a Content-Length.
        """
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
        filetype = filetype or ext
        mimetype = (mimetype or FILETYPES.get(filetype) or mimetypes.guess_type(name)[0]
                    or "application/octet-stream")
        size = len(content) if content is not None else (256 * 1024 if size is None else size)
        if content is None and generator is None:
            generator = patterned(filetype)
        file_id = file_id or self._new_id("F")
        safe = quote(name.replace(" ", "_"))
        base = f"{self.url}/files-pri/{self.team_id}-{file_id}"
        kind = mimetype.split("/")[0]
        now = int(time.time())
        obj: dict[str, Any] = {
            "id": file_id, "created": now, "timestamp": now, "name": name, "title": title or name,
            "mimetype": mimetype, "filetype": filetype, "pretty_type": filetype.upper(),
            "user": user, "user_team": self.team_id, "editable": False, "size": size,
            "mode": "hosted", "is_external": False, "external_type": "", "is_public": True,
            "public_url_shared": False, "display_as_bot": False, "username": "",
            "url_private": f"{base}/{safe}", "url_private_download": f"{base}/download/{safe}",
            "media_display_type": kind if kind in ("audio", "video") else "unknown",
            "permalink": f"{self.url}/files/{user}/{file_id}/{safe}",
            "permalink_public": f"{self.url}/files-pub/{self.team_id}-{file_id}-sim",
            "has_rich_preview": False, "file_access": "visible", "comments_count": 0,
            "channels": [], "groups": [], "ims": [],
        }
        if kind in ("audio", "video"):
            obj["duration_ms"] = duration_ms if duration_ms is not None else max(1, size // 16)
            obj["transcription"] = {"status": "none"}
            if kind == "audio":
                obj["aac"] = obj["url_private"]
                obj["audio_wave_samples"] = [(i * 37) % 101 for i in range(100)]
            else:
                obj.update(mp4=obj["url_private"], thumb_video_w=1280, thumb_video_h=720)
        self._files[file_id] = HostedFile(obj, content, generator, redirect_to, chunked=chunked)
        return obj

    async def _download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["key"].split("-", 1)[-1]
        header = request.headers.get("Authorization")
        record = Download(file_id, request.path, header is not None,
                          header == f"Bearer {self.bot_token}")
        self.downloads.append(record)
        if (fault := await self._misbehave("download", request)) is not None:
            record.status, record.served = fault.status, "fault"
            return fault
        f = self._files.get(file_id)
        if f is None:
            record.status, record.served = 404, "missing"
            return web.Response(status=404, text="<html>Not found</html>", content_type="text/html")
        if not record.auth_ok:
            record.served = "login"
            return web.Response(text=LOGIN_PAGE, content_type="text/html", charset="utf-8")
        if f.redirect_to:
            record.status, record.served = 302, "redirect"
            return web.Response(status=302, headers={"Location": f.redirect_to})
        response = web.StreamResponse(headers={
            "Content-Type": f.obj["mimetype"],
            "Content-Disposition": f'attachment; filename="{f.obj["name"]}"'})
        if f.chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = f.obj["size"]
        await response.prepare(request)
        try:
            for chunk in f.chunks():
                await response.write(chunk)
                record.bytes_sent += len(chunk)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            record.served = "interrupted"
        return response

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        upload = self._uploads.get(request.match_info["upload_id"])
        call = RecordedCall("upload", "POST", {}, None, request.content_type)
        self._calls.append(call)
        if (fault := await self._misbehave("upload", request, call)) is not None:
            return fault
        if upload is None:
            call.status = 404
            return web.Response(status=404, text="not found", content_type="text/plain")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()), b"")
            data = part.file.read() if hasattr(part, "file") else str(part).encode()
        else:
            data = await request.read()
        upload["data"] = data
        call.args = {"file_id": upload["file_id"], "bytes": len(data)}
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), str(args.get("length") or "")
        if not filename or not length.isdigit():
            raise ApiError("invalid_arguments")
        upload_id, file_id = uuid.uuid4().hex, self._new_id("F")
        self._uploads[upload_id] = {"file_id": file_id, "filename": filename,
                                    "length": int(length), "data": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/v1/{upload_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        items = args.get("files")
        items = json.loads(items) if isinstance(items, str) else items
        if not isinstance(items, list) or not items:
            raise ApiError("invalid_arguments")
        done = {u["file_id"]: u for u in self._uploads.values() if u["data"] is not None}
        objs = []
        for item in items:
            upload = done.get(item.get("id"))
            if upload is None:
                raise ApiError("file_not_found")
            objs.append(self.add_file(upload["filename"], upload["data"], user=self.bot_user_id,
                                      title=item.get("title"), file_id=upload["file_id"]))
        channels = args.get("channel_id") or args.get("channels") or ""
        if channel := str(channels).split(",")[0]:
            self._post(channel, str(args.get("initial_comment") or ""), [],
                       thread_ts=args.get("thread_ts"), via="files.completeUploadExternal",
                       files=objs)
            for obj in objs:
                obj["channels"].append(channel)
        return {"ok": True, "files": [{"id": o["id"], "title": o["title"]} for o in objs]}
