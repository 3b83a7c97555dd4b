"""`POST /mailroom/v1/links`: signed tracking URLs for integrations that send mail themselves."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, field_validator

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.kit.jsonx import JSONResponse
from mailroom.tracking import handout
from mailroom.web.bearer import bearer_principal
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["mailroom"])


class LinksRequest(BaseModel):
    contact_id: str = Field(
        description="The contact's 24-hex id", examples=["0123456789abcdef01234567"]
    )
    mailing_id: int = Field(description="The mailing's id (`mailroom mailings list`)", examples=[1])
    url: str | None = Field(
        default=None,
        description="A link of the mail to wrap in a click redirect (http or https)",
        examples=["https://example.com/offer"],
    )

    @field_validator("contact_id", "url")
    @classmethod
    def no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:  # no contact or link holds one
            raise ValueError("contains a NUL character")
        return value


class LinksResponse(BaseModel):
    contact_id: str
    mailing_id: int
    open_url: str = Field(description="The open pixel: put it in an <img> at the mail's end")
    unsubscribe_url: str = Field(description="A page with an unsubscribe button (GET), or POST")
    list_unsubscribe: str = Field(description="The List-Unsubscribe header's value")
    list_unsubscribe_post: str = Field(description="The List-Unsubscribe-Post header's value")
    click_url: str | None = Field(description="A redirect to `url` (null when no url was sent)")


@router.post(
    "/mailroom/v1/links",
    summary="Make signed open, click and unsubscribe URLs for one contact and mailing",
    response_model=LinksResponse,
    responses={404: {"description": "Unknown contact or mailing in this account"}},
)
def make_links(
    body: LinksRequest,
    ctx: Context = Depends(get_ctx),
    principal: Principal = Depends(bearer_principal),
) -> JSONResponse:
    with ctx.db.read() as conn:
        made = handout.make_links(
            ctx, conn, principal.account_id, body.contact_id, body.mailing_id, body.url
        )
    return JSONResponse(made.as_dict())
