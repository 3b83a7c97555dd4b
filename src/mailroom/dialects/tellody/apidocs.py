"""Shapes of the Tellody routes (``/CampaignCloud/...``), for the OpenAPI page only.

They authenticate with a session cookie and an ``X-XSRF-TOKEN`` header (see docs/tellody.md),
which Swagger's "Try it out" cannot hold, so no security scheme is declared for them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mailroom.web.apidocs import RouteDoc


class Ping(BaseModel):
    status: str = Field(examples=["success"])
    authenticated: bool = Field(description="Whether the session is signed in")


class Login(BaseModel):
    """Form fields, whatever the Content-Type header claims."""

    username: str = Field(examples=["demo@mailroom.local"])
    password: str
    remember_me: bool | None = Field(None, alias="remember-me")


class Outcome(BaseModel):
    message: str = Field(examples=["You have logged in with success."])
    status: str = Field(examples=["success"])


class UserInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    userId: int
    username: str
    email: str | None
    accountId: int
    accountCode: str
    accountName: str


class ChartRequest(BaseModel):
    from_: int = Field(alias="from", description="Unix ms; bucket 0 starts here (caller's zone)")
    to: int = Field(description="Unix ms, end of the window")
    unit: str = Field(examples=["day"], description="hour, day, week or month")
    window: str = Field(examples=["month"], description="day, week, month or year")
    dow: int | None = Field(None, description="First day of a week for unit week: 0 = Sunday")


class Chart(BaseModel):
    contactsAdded: list[int]
    groupsAdded: list[int]
    contactsBlocked: list[int]
    contactsServed: list[int]


class TellodyError(BaseModel):
    """Tellody's error body (a failed login answers its own, documented in docs/tellody.md)."""

    status: int
    error: str
    message: str


DOCS = {
    ("GET", "/CampaignCloud/RememberMeController/ping"): RouteDoc(response=Ping),
    ("POST", "/CampaignCloud/login"): RouteDoc(Login, Outcome),
    ("POST", "/CampaignCloud/logout"): RouteDoc(dict[str, str], Outcome),
    ("GET", "/CampaignCloud/UserInfo"): RouteDoc(response=UserInfo),
    ("POST", "/CampaignCloud/Report/ContactChart"): RouteDoc(ChartRequest, Chart),
}
ERROR = TellodyError
