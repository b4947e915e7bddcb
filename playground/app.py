"""The playground's web server: a page that looks like a Discord channel, and a small JSON API through which the
page acts as a user of the fake Discord (slash commands, buttons, reactions, the Apps menu, autocomplete, forms)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from fakediscord import FakeDiscord, Interaction
from fakediscord.payloads import DISCORD_EPOCH_MS
from fakediscord.records import CALLBACK_MODAL
from playground.commands import CHAT_INPUT, MESSAGE_COMMAND, CommandError, chat_commands, parse, typing
from playground.view import channel_view

STATIC = Path(__file__).with_name("static")
POLL_SECONDS = 25.0  # how long a poll for news waits before answering "nothing new"
AUTOCOMPLETE_SECONDS = 3.0  # Discord's limit for an autocomplete answer
FORM_SECONDS = 3.0  # how long a press waits for the bot's first answer, to see whether it is a form to fill in
MAX_UPLOAD = 16 * 1024 * 1024  # a MIDI file attached in the page
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Playground:
    """The page and its API over ``fake``, where the bot is connected; the page is user ``you`` (an index into
    ``fake.users``)."""

    def __init__(self, fake: FakeDiscord, *, you: int = 0) -> None:
        self.fake = fake
        self.user = fake.user(you)
        self.you = int(self.user["id"])
        #: The playground's own replies (a command it could not read, Discord refusing what the bot sent).
        self.notices: list[dict[str, Any]] = []
        self._notice_ids = itertools.count()
        self._seen_problems = 0
        self._runner: web.AppRunner | None = None
        self._forms: dict[str, Interaction] = {}  # forms (modals) the bot opened, by interaction id, until submitted
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    def app(self) -> web.Application:
        """The aiohttp application (routes and the same-origin guard)."""
        app = web.Application(client_max_size=MAX_UPLOAD * 2, middlewares=[self._same_origin])
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/files/{file_id}/{filename}", self._file)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/commands", self._commands)
        for name, handler in (("send", self._send), ("press", self._press), ("select", self._select),
                              ("react", self._react), ("app", self._app_command),
                              ("autocomplete", self._autocomplete), ("submit", self._submit)):
            app.router.add_post(f"/api/{name}", handler)
        return app

    async def start(self, port: int) -> str:
        """Serve on 127.0.0.1:``port`` (0: a free one) and return the page's URL; OSError if the port is taken."""
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ notices

    def notice(self, text: str, *, kind: str = "error") -> dict[str, Any]:
        """Add a message from the playground itself, shown to you only, after the messages so far."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        notice = {"id": str((ms << 22) | (3 << 17) | (next(self._notice_ids) & 0x1FFFF)), "author": "Playground",
                  "bot": False, "system": True, "kind": kind, "timestamp": None, "edited": False, "content": text,
                  "embeds": [], "attachments": [], "components": [], "reactions": [], "ephemeral": True,
                  "loading": False, "invoked": None}
        self.notices.append(notice)
        self.fake.touch()
        return notice

    def _note_problems(self) -> None:
        """Tell the page when the fake refused something the bot sent (real Discord would have refused it too)."""
        problems = self.fake.rejections + self.fake.server_errors
        for problem in problems[self._seen_problems:]:
            log.warning("Discord would refuse what the bot sent: %s", problem)
            self.notice(f"Discord would have refused what the bot sent: {problem}", kind="warning")
        self._seen_problems = len(problems)

    def _refuse(self, text: str, status: int = 200) -> web.Response:
        """Say why an action was not passed on (in the channel too): ``{"ok": false, "error"}``. A mistake typed in
        the page is an answer, not an HTTP error."""
        self.notice(text)
        return web.json_response({"ok": False, "error": text}, status=status)

    # ------------------------------------------------------------------ pages and files

    @web.middleware
    async def _same_origin(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answer only this machine's pages: another site open in the browser may not drive the bot (Origin), nor
        may a name that merely resolves to 127.0.0.1 (Host)."""
        host = request.host.rsplit(":", 1)[0]
        origin = request.headers.get("Origin")
        if host not in ("127.0.0.1", "localhost") or (origin is not None and origin.rstrip("/") != (
                f"http://{request.host}")):
            raise web.HTTPForbidden(text="the playground answers only its own page on 127.0.0.1")
        return await handler(request)

    async def _index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def _file(self, request: web.Request) -> web.Response:
        """A file the bot uploaded (or you attached); byte ranges for the audio player."""
        try:
            found = self.fake.file(int(request.match_info["file_id"]))
        except ValueError:
            found = None
        if found is None:
            raise web.HTTPNotFound(text="no such file")
        _name, data, content_type = found
        headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
        match = _RANGE.match(request.headers.get("Range", ""))
        if match and (match[1] or match[2]):
            if match[1]:
                start, end = int(match[1]), min(int(match[2] or len(data) - 1), len(data) - 1)
            else:  # the last N bytes
                start, end = max(len(data) - int(match[2]), 0), len(data) - 1
            if start > end:
                raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{len(data)}"})
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return web.Response(status=206, body=data[start : end + 1], content_type=content_type, headers=headers)
        return web.Response(body=data, content_type=content_type, headers=headers)

    # ------------------------------------------------------------------ state

    def _commands_of(self, kind: int) -> list[dict[str, Any]]:
        commands = self.fake.guild_commands + self.fake.global_commands
        if kind == CHAT_INPUT:
            return chat_commands(commands)
        return [c for c in commands if c.get("type") == kind]

    async def _state(self, request: web.Request) -> web.Response:
        """The channel as you see it; with ``?since=V`` waits (up to 25 s) until something changed after V."""
        since = request.query.get("since", "")
        if since.isdigit():
            await self.fake.wait_changed(int(since), POLL_SECONDS)
        self._note_problems()
        return web.json_response({
            "version": self.fake.version,
            "connected": self.fake.connected,
            "you": self.user.get("global_name") or self.user["username"],
            "bot": self.fake.bot_user["username"],
            "messages": channel_view(self.fake, self.you, self.notices),
        })

    async def _commands(self, _request: web.Request) -> web.Response:
        """The commands the bot registered: slash commands (with their options) and message (Apps) commands."""
        return web.json_response({"commands": self._commands_of(CHAT_INPUT),
                                  "apps": [c["name"] for c in self._commands_of(MESSAGE_COMMAND)]})

    # ------------------------------------------------------------------ user actions

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="send JSON")
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="send JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="send a JSON object")
        return body

    def _not_connected(self) -> web.Response | None:
        if self.fake.connected:
            return None
        return self._refuse("The bot is not connected (it may be restarting): try again in a moment.", 503)

    async def _send(self, request: web.Request) -> web.Response:
        """Run a typed slash command: ``{"text": "/melody C E G", "file": {"name", "data" (base64)}?}``."""
        body = await self._body(request)
        if (refusal := self._not_connected()) is not None:
            return refusal
        text, file = str(body.get("text") or ""), body.get("file")
        upload: tuple[str, bytes] | None = None
        if isinstance(file, dict):
            try:
                upload = (str(file.get("name") or "upload.mid"), base64.b64decode(str(file.get("data")), validate=True))
            except (binascii.Error, ValueError):
                return self._refuse("The attached file could not be read: attach it again.")
            if len(upload[1]) > MAX_UPLOAD:
                return self._refuse(f"The attached file is over {MAX_UPLOAD // 2**20} MiB: attach a smaller one.")
        try:
            parsed = parse(text, self._commands_of(CHAT_INPUT), has_file=upload is not None)
            attachments = {parsed.attachment: upload} if parsed.attachment and upload else None
            await self.fake.slash(parsed.name, parsed.options, user=self.you, attachments=attachments)
        except CommandError as exc:
            return self._refuse(str(exc))
        except (KeyError, ValueError) as exc:  # what Discord's own client would not send
            return self._refuse(f"Discord would not send that: {exc.args[0] if exc.args else exc}")
        return web.json_response({"ok": True, "sent": parsed.text})

    def _message_id(self, body: dict[str, Any]) -> int:
        raw = str(body.get("message_id") or "")
        if not raw.isdigit():
            raise web.HTTPBadRequest(text="message_id must be a message's id")
        return int(raw)

    async def _component(self, body: dict[str, Any], values: list[str] | None) -> web.Response:
        if (refusal := self._not_connected()) is not None:
            return refusal
        message_id, custom_id = self._message_id(body), str(body.get("custom_id") or "")
        try:
            if values is None:
                it = await self.fake.press(message_id, custom_id, user=self.you)
            else:
                it = await self.fake.select(message_id, custom_id, values, user=self.you)
        except (KeyError, ValueError) as exc:
            return self._refuse(f"That can't be used any more: {exc.args[0] if exc.args else exc}")
        form = await self._form_of(it)
        return web.json_response({"ok": True, **({"form": form} if form else {})})

    async def _form_of(self, it: Interaction) -> dict[str, Any] | None:
        """When the bot answers a press with a form (a modal): its title and text inputs, for the page to ask."""
        with contextlib.suppress(TimeoutError):
            initial = await it.wait_initial(FORM_SECONDS)
            if initial.type == CALLBACK_MODAL:
                self._forms[str(it.id)] = it
                inputs = []
                for row in initial.data.get("components") or []:
                    held = row.get("components") or [row.get("component") or {}]
                    inputs += [{"custom_id": c["custom_id"], "label": row.get("label") or c.get("label") or "",
                                "value": c.get("value") or ""} for c in held if c.get("type") == 4]
                return {"id": str(it.id), "title": initial.data.get("title") or "", "inputs": inputs}
        return None

    async def _submit(self, request: web.Request) -> web.Response:
        """Submit a form the bot opened: ``{"interaction_id", "values": {custom_id: text}}``."""
        body = await self._body(request)
        if (refusal := self._not_connected()) is not None:
            return refusal
        it = self._forms.pop(str(body.get("interaction_id") or ""), None)
        if it is None:
            return self._refuse("That form is closed: press the button again.")
        values = {str(k): str(v) for k, v in dict(body.get("values") or {}).items()}
        try:
            await self.fake.submit_modal(it, values, user=self.you)
        except (KeyError, ValueError) as exc:
            return self._refuse(f"Discord would not send that: {exc.args[0] if exc.args else exc}")
        return web.json_response({"ok": True})

    async def _press(self, request: web.Request) -> web.Response:
        """Press a button: ``{"message_id", "custom_id"}``."""
        return await self._component(await self._body(request), None)

    async def _select(self, request: web.Request) -> web.Response:
        """Pick in a select menu: ``{"message_id", "custom_id", "values": [...]}``."""
        body = await self._body(request)
        return await self._component(body, [str(v) for v in body.get("values") or []])

    async def _react(self, request: web.Request) -> web.Response:
        """Add your reaction, or take it back if it is there: ``{"message_id", "emoji"}``."""
        body = await self._body(request)
        if (refusal := self._not_connected()) is not None:
            return refusal
        message_id, emoji = self._message_id(body), str(body.get("emoji") or "")
        if not emoji:
            raise web.HTTPBadRequest(text="which emoji?")
        try:
            if self.you in self.fake.reactions(message_id).get(emoji, []):
                await self.fake.unreact(message_id, emoji, user=self.you)
            else:
                await self.fake.react(message_id, emoji, user=self.you)
        except (KeyError, ValueError) as exc:
            return self._refuse(f"You can't react there: {exc.args[0] if exc.args else exc}")
        return web.json_response({"ok": True})

    async def _app_command(self, request: web.Request) -> web.Response:
        """Apps → ``name`` on a message: ``{"message_id", "name"}``."""
        body = await self._body(request)
        if (refusal := self._not_connected()) is not None:
            return refusal
        try:
            await self.fake.message_command(str(body.get("name") or ""), self._message_id(body), user=self.you)
        except (KeyError, ValueError) as exc:
            return self._refuse(f"That app can't be used here: {exc.args[0] if exc.args else exc}")
        return web.json_response({"ok": True})

    async def _autocomplete(self, request: web.Request) -> web.Response:
        """Choices for the option being typed at the end of ``{"text"}``: its fixed choices, or the bot's answer to
        an autocomplete interaction."""
        body = await self._body(request)
        target = typing(str(body.get("text") or ""), self._commands_of(CHAT_INPUT))
        if target is None:
            return web.json_response({"option": None, "choices": []})
        option, typed = target.option, target.value.strip("\"'“”").lower()
        choices: list[dict[str, Any]] = []
        if option.get("choices"):
            choices = [c for c in option["choices"] if typed in str(c["name"]).lower()]
        elif option.get("autocomplete") and self.fake.connected:
            with contextlib.suppress(KeyError, ValueError, TimeoutError):
                it = await self.fake.autocomplete(target.command, {**target.others, option["name"]: target.value},
                                                  option["name"], user=self.you)
                choices = list((await it.wait_initial(AUTOCOMPLETE_SECONDS)).data.get("choices") or [])
        return web.json_response({"option": option["name"], "choices": choices[:25]})
