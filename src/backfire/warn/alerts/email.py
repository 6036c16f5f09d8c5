"""E-mail alarms over SMTP (optionally STARTTLS and login), built with `email.message`."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from backfire.model import Alarm
from backfire.redact import redact
from backfire.warn.alerts.base import AlertError, render_long, render_text


class EmailChannel:
    """Send each alarm as a plain-text e-mail from `sender` to `recipients` through `host:port`."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, recipients: list[str], username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = recipients
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def message(self, alarm: Alarm) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = render_text(alarm)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg.set_content(render_long(alarm) + "\n\nSent by backfire.\n")
        return msg

    def send(self, alarm: Alarm) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(self.message(alarm))
        except (OSError, smtplib.SMTPException) as exc:
            raise AlertError(redact(f"email: could not send through {self.host}:{self.port} ({exc}); "
                                    "check the SMTP settings", [self.password])) from None

    def __repr__(self) -> str:
        return f"EmailChannel({self.host}:{self.port}, user={self.username!r}, to={self.recipients!r})"
