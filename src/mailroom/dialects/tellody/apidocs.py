"""Request and response shapes of Tellody's CampaignCloud routes, for the OpenAPI page only.

Tellody signs a browser session in: `POST /CampaignCloud/login` sets the `JSESSIONID` cookie,
`GET .../RememberMeController/ping` hands out the `X-XSRF-TOKEN` that writes must send back.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from mailroom.web.apidocs import RouteDoc


class Ping(BaseModel):
    status: str = Field(examples=["success"])
    authenticated: bool


class LoginForm(BaseModel):
    """Form fields (URL-encoded) or the same keys as a JSON object."""

    username: str = Field(examples=["demo@mailroom.local"])
    password: str = Field(examples=["demo-password"])
    remember_me: str | None = Field(None, alias="remember-me", examples=["true"])


class Outcome(BaseModel):
    message: str
    status: str = Field(examples=["success"])


class UserInfo(BaseModel):
    userId: int
    username: str
    email: str | None
    role: str
    accountId: int
    accountCode: str
    accountName: str
    creditsSpent: int
    creditsAvailable: int


class ChartRequest(BaseModel):
    from_: int = Field(alias="from", description="Unix ms", examples=[1437426000000])
    to: int = Field(description="Unix ms", examples=[1437512399999])
    unit: str = Field(examples=["hour"])
    window: str = Field(examples=["day"])
    dow: int = Field(0, description="First day of the week (0 Sunday)")


class ContactChart(BaseModel):
    contactsAdded: list[int]
    groupsAdded: list[int]
    contactsBlocked: list[int]
    contactsServed: list[int]


class TellodyError(BaseModel):
    status: int
    error: str
    message: str


_BASE = "/CampaignCloud"
DOCS = {
    ("GET", f"{_BASE}/RememberMeController/ping"): RouteDoc(response=Ping),
    ("POST", f"{_BASE}/login"): RouteDoc(LoginForm, Outcome, request_media="form"),
    ("POST", f"{_BASE}/logout"): RouteDoc(dict[str, str], Outcome),
    ("GET", f"{_BASE}/UserInfo"): RouteDoc(response=UserInfo),
    ("POST", f"{_BASE}/Report/ContactChart"): RouteDoc(ChartRequest, ContactChart),
}
ERROR = TellodyError
