"""Hand a message to a connection: SMTP (standard library, one session reused per connection)
or an outbox folder; each hand-over says whether the receiver can have accepted it.

`before_commit` runs just before the point of no return (the final ``.`` of SMTP DATA, the
rename of an outbox file), so the caller can record "being sent" durably: a send whose sender
dies before that mark was certainly not accepted and may be retried; after it, it is unknown.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mailroom.esp.service import OUTBOX_ESP

SENT = "sent"
RETRY = "retry"  # not accepted, temporary: try again later
BOUNCE = "bounce"  # refused for good (5xx)
UNKNOWN = "unknown"  # the connection failed after the message was handed over

_DOTS = re.compile(rb"(?m)^\.")


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    code: int = 0
    detail: str = ""


class Transport(Protocol):
    def send(
        self, sender: str, recipient: str, data: bytes, before_commit: Callable[[], None]
    ) -> Outcome: ...

    def close(self) -> None: ...


def _refusal(code: int, detail: bytes | str) -> Outcome:
    text = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
    return Outcome(BOUNCE if code >= 500 else RETRY, code, text[:500])


class SmtpTransport:
    """One SMTP session, opened on first use and kept for the next messages."""

    def __init__(self, row: Any, timeout_s: float = 30.0) -> None:
        self.host = row.host
        self.port = int(row.port)
        self.encryption = row.encryption
        self.username = row.username
        self.password = row.password
        self.timeout_s = timeout_s
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        if self.encryption == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_s, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        smtp.ehlo()
        if self.encryption == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password or "")
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> Outcome | None:
        """MAIL, RCPT and DATA; None when the server waits for the message (354).

        With PIPELINING (RFC 2920) the three commands go in one write and their replies are
        read after, through smtplib's own send and getreply: one round trip instead of three.
        """
        if smtp.has_extn("pipelining"):
            smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n")
            replies = [smtp.getreply() for _ in range(3)]
            for (code, detail), ok in zip(replies, ((250,), (250, 251), (354,)), strict=True):
                if code not in ok:
                    if replies[2][0] == 354:  # the server waits for a message: end it empty
                        smtp.send(".\r\n")
                        smtp.getreply()
                    smtp.rset()
                    return _refusal(code, detail)
            return None
        code, detail = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            return _refusal(code, detail)
        code, detail = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            return _refusal(code, detail)
        code, detail = smtp.docmd("DATA")
        if code != 354:
            smtp.rset()
            return _refusal(code, detail)
        return None

    def send(
        self, sender: str, recipient: str, data: bytes, before_commit: Callable[[], None]
    ) -> Outcome:
        try:
            smtp = self._open()
            refused = self._envelope(smtp, sender, recipient)
            if refused is not None:
                return refused
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            return Outcome(RETRY, exc.smtp_code, "login refused")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome(RETRY, 0, f"{type(exc).__name__}: {exc}"[:500])
        try:
            before_commit()
        except Exception:
            self._drop()  # the message never went: the server drops the open transaction
            raise
        body = _DOTS.sub(b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        try:
            smtp.send(body + b".\r\n")
            code, detail = smtp.getreply()
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome(UNKNOWN, 0, f"{type(exc).__name__}: {exc}"[:500])
        if code != 250:
            return _refusal(code, detail)
        return Outcome(SENT, code)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


class OutboxTransport:
    """Writes each message as ``<folder>/<name>.eml`` (written aside, then renamed in)."""

    def __init__(self, row: Any) -> None:
        self.folder = Path(row.folder)

    def send(
        self, sender: str, recipient: str, data: bytes, before_commit: Callable[[], None]
    ) -> Outcome:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", recipient) + "-" + str(time.time_ns())
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f".{name}.part"
            partial.write_bytes(f"Return-Path: <{sender}>\r\n".encode() + data)
        except OSError as exc:
            return Outcome(RETRY, 0, f"{type(exc).__name__}: {exc}"[:500])
        before_commit()
        try:
            os.replace(partial, self.folder / f"{name}.eml")
        except OSError as exc:
            return Outcome(UNKNOWN, 0, f"{type(exc).__name__}: {exc}"[:500])
        return Outcome(SENT, 250)

    def close(self) -> None:
        return None


def open_transport(row: Any) -> Transport:
    if int(row.esp_id) == OUTBOX_ESP:
        return OutboxTransport(row)
    return SmtpTransport(row)
