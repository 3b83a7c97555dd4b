"""Request and response shapes of the Ongage routes, for the OpenAPI page only.

The handlers read raw JSON and parse it themselves (so errors keep Ongage's shapes and the hot
paths skip pydantic); these models only describe those bodies. `DOCS` maps each route to them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from mailroom.dialects.ongage import apidocs_search, automation_apidocs, reports_apidocs
from mailroom.web.apidocs import RouteDoc

# --- shared --------------------------------------------------------------------------------------


class Metadata(BaseModel):
    error: bool = Field(False, description="false on success")
    total: int | None = Field(None, description="Collections: how many match in all")


class OngageErrorPayload(BaseModel):
    code: int = Field(description="The HTTP status again")
    message: str
    errors: list[dict[str, Any]] = Field(description="One object per problem, naming its field")


class OngageError(BaseModel):
    """Every Ongage route's error body."""

    metadata: dict[str, bool] = Field(examples=[{"error": True}])
    payload: OngageErrorPayload


def envelope(name: str, payload: Any) -> type[BaseModel]:
    """Ongage's `{metadata, payload}` around one payload type."""
    model: type[BaseModel] = create_model(name, metadata=(Metadata, ...), payload=(payload, ...))
    return model


# --- contacts ------------------------------------------------------------------------------------


class ContactObject(BaseModel):
    """A contact: email, one key per list field (null when empty), id, then the ocx_* keys."""

    model_config = ConfigDict(extra="allow")
    email: str = Field(examples=["ana@example.com"])
    id: str = Field(description="24-hex contact id", examples=["0f1e2d3c4b5a69788796a5b4"])
    ocx_status: str = Field(examples=["Active"])
    ocx_created_date: int = Field(description="Unix seconds")
    ocx_unsubscribe_date: int | None = None
    ocx_resubscribe_date: int | None = None
    ocx_bounce_date: int | None = None
    ocx_complaint_date: int | None = None
    ocx_import_id: int | None = Field(None, description="The id of the import that created it")


class ContactWrite(BaseModel):
    """One contact to create or update: `email` (or `id` to update) plus list-field values."""

    model_config = ConfigDict(extra="allow")
    email: str | None = Field(None, examples=["new.person@example.com"])
    id: str | None = Field(None, description="Updates: find the contact by id instead of email")
    overwrite: bool | None = Field(None, description="Create: update the contact if it exists")
    list_id: int | None = Field(None, description="The list (default: prefix, then default list)")
    fields: dict[str, Any] | None = Field(
        None, description="List-field values; they may also be given as top-level keys"
    )


class WritePayload(BaseModel):
    rows: int
    success: int
    created: int
    updated: int
    revived: int
    failed: int
    created_emails: dict[str, str] = Field(description="email -> contact id")
    updated_emails: dict[str, str]
    success_emails: dict[str, str]
    failed_emails: dict[str, str] = Field(description="email -> reason")


class ChangeStatusRequest(BaseModel):
    emails: list[str] = Field(examples=[["ana@example.com"]])
    change_to: Literal[
        "unsubscribe", "resubscribe", "bounce", "soft_bounce", "complaint", "remove"
    ] = Field(examples=["unsubscribe"])
    list_id: int | None = None
    ocx_child_id: int | None = Field(None, description="A mailing id the change is credited to")
    ocx_connection_id: int | None = None


class StatusPayload(BaseModel):
    rows: int
    success: int
    failed: int
    success_emails: dict[str, str]
    failed_emails: dict[str, str]


class ChangeEmailRequest(BaseModel):
    email: str = Field(examples=["old@example.com"])
    new_email: str = Field(examples=["new@example.com"])
    list_id: int | None = None


class ChangeEmailPayload(BaseModel):
    success: int
    success_emails: dict[str, str]
    id: str
    email: str


class DeleteContactsRequest(BaseModel):
    contact_id: str | None = None
    contact_ids: list[str] | None = None
    list_id: int | None = None


class DeleteContactsPayload(BaseModel):
    success: int
    deleted: int
    failed: int
    deleted_ids: list[str]
    failed_ids: dict[str, str]


# --- lists ---------------------------------------------------------------------------------------


class ListObject(BaseModel):
    """Ongage's list object (the main keys; every documented one is present) and `default`."""

    model_config = ConfigDict(extra="allow")
    id: int
    name: str
    description: str
    type: Literal["sending", "suppression"]
    scope: str | None
    notification_email: str | None
    last_count: int = Field(description="Contacts, counted at the time of the call")
    last_active_count: int
    unsubscribes: int
    bounces: int
    complaints: int
    account_id: int
    created: int
    modified: int
    deleted: int | None
    default: bool = Field(description="mailroom's own: whether this is the account's default")


class ListWrite(BaseModel):
    """A list to create, or the keys to change; Ongage's other list keys are kept as given."""

    model_config = ConfigDict(extra="allow")
    name: str | None = Field(None, examples=["Newsletter"])
    description: str | None = None
    type: Literal["sending", "suppression"] | None = None
    scope: Literal["global", "campaign"] | None = Field(None, description="Suppression lists")
    notification_email: str | None = None
    default: bool | None = Field(
        None,
        description="true makes the list the account's default (the old one stops being it)",
    )


class DeleteImplicationsPayload(BaseModel):
    list_id: int
    can_delete: bool
    contacts: int
    list_fields: int
    segments: int
    automation_events: int
    reports: int
    mailings_detached: int


# --- list fields ---------------------------------------------------------------------------------


class FieldObject(BaseModel):
    id: int
    account_id: int
    list_id: int
    name: str
    title: str
    type: Literal["email", "string", "numeric", "date"]
    format: str
    default: str | None
    mandatory: bool
    position: int
    created: int
    modified: int
    deleted: int | None
    is_sms: bool


class FieldWrite(BaseModel):
    name: str | None = Field(None, examples=["first_name"])
    title: str | None = None
    type: Literal["string", "numeric", "date"] | None = Field(None, examples=["string"])
    format: str | None = Field(None, description="Date fields: yyyy-mm-dd, dd/mm/yyyy, ...")
    default: str | None = None
    mandatory: bool | None = None
    position: int | None = None
    is_sms: bool | None = None
    list_id: int | None = Field(None, description="Create: the list (default: prefix, default)")


class AllListsPayload(BaseModel):
    success_list_fields: list[FieldObject]
    failed_lists_errors: dict[str, str] = Field(description="list id -> reason")


def _docs() -> dict[tuple[str, str], RouteDoc]:
    contact = envelope("ContactEnvelope", ContactObject)
    contacts = envelope("ContactsEnvelope", list[ContactObject])
    write = envelope("ContactWriteEnvelope", WritePayload)
    status = envelope("StatusEnvelope", StatusPayload)
    one_list = envelope("ListEnvelope", ListObject)
    lists = envelope("ListsEnvelope", list[ListObject])
    field = envelope("FieldEnvelope", FieldObject)
    contact_body = list[ContactWrite] | ContactWrite
    docs = {
        ("GET", "/api/contacts/by_email/{email}"): RouteDoc(response=contact),
        ("GET", "/api/contacts/by_id/{contact_id}"): RouteDoc(response=contact),
        ("GET", "/api/contacts/cross_account"): RouteDoc(response=contacts),
        ("GET", "/api/contacts"): RouteDoc(response=contacts),
        ("GET", "/api/contacts/add"): RouteDoc(response=write),
        ("PUT", "/api/contacts/change_email"): RouteDoc(
            ChangeEmailRequest, envelope("ChangeEmailEnvelope", ChangeEmailPayload)
        ),
        ("POST", "/api/contacts/delete"): RouteDoc(
            DeleteContactsRequest, envelope("DeleteContactsEnvelope", DeleteContactsPayload)
        ),
        ("GET", "/api/lists"): RouteDoc(response=lists),
        ("GET", "/api/lists/{list_id}"): RouteDoc(response=one_list),
        ("POST", "/api/lists"): RouteDoc(ListWrite, one_list),
        ("PUT", "/api/lists/{list_id}"): RouteDoc(ListWrite, one_list),
        ("DELETE", "/api/lists/{list_id}"): RouteDoc(response=one_list),
        ("GET", "/api/lists/{list_id}/delete_implications"): RouteDoc(
            response=envelope("DeleteImplicationsEnvelope", DeleteImplicationsPayload)
        ),
        ("GET", "/api/list_fields"): RouteDoc(
            response=envelope("FieldsEnvelope", list[FieldObject])
        ),
        ("GET", "/api/list_fields/{field_id}"): RouteDoc(response=field),
        ("POST", "/api/list_fields"): RouteDoc(
            list[FieldWrite] | FieldWrite,
            envelope("FieldsCreatedEnvelope", list[FieldObject] | FieldObject),
        ),
        ("POST", "/api/list_fields/all_lists"): RouteDoc(
            FieldWrite, envelope("AllListsEnvelope", AllListsPayload)
        ),
        ("PUT", "/api/list_fields/{field_id}"): RouteDoc(FieldWrite, field),
        ("DELETE", "/api/list_fields/{field_id}"): RouteDoc(response=field),
    }
    for path in ("/api/contacts", "/api/v2/contacts"):
        docs["POST", path] = RouteDoc(contact_body, write)
        docs["PUT", path] = RouteDoc(contact_body, write)
    for path in ("/api/contacts/change_status", "/api/v2/contacts/change_status"):
        docs["POST", path] = RouteDoc(ChangeStatusRequest, status)
    docs["POST", "/api/contacts/remove"] = RouteDoc(ChangeStatusRequest, status)
    docs["POST", "/api/contacts/change_email"] = docs["PUT", "/api/contacts/change_email"]
    return {**docs, **apidocs_search.docs()}


DOCS = {**_docs(), **reports_apidocs.docs(), **automation_apidocs.docs(envelope)}
ERROR = OngageError
