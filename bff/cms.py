"""Reading secrets from the CMS (Directus) with a read-only token, sent only as a header.

Data model (one collection, default `mobile_secrets`): primary key `name` (the catalogue secret),
`version` (integer), `data` (object: Secret data key -> value). The BFF only ever reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bff.apps import SECRET_NAME
from bff.http11 import Requester, Response
from bff.upstream import UpstreamUnavailable, with_retries

MAX_RESPONSE_BYTES = 1_048_576
FIELDS = "name,version,data"
DATA_KEY = r"^[-._a-zA-Z0-9]{1,253}$"
"""A Kubernetes Secret data key: what a secret's `data` may be keyed by."""
COLLECTION = r"^[a-z][a-z0-9_]{0,62}$"
"""A Directus collection name as the BFF accepts it."""


class SecretRecord(BaseModel):
    """One secret as the CMS holds it and the BFF answers it; no other field ever leaves the CMS."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    name: Annotated[str, Field(pattern=SECRET_NAME, max_length=253)]
    version: Annotated[int, Field(ge=1)]
    data: dict[Annotated[str, Field(pattern=DATA_KEY)], str]


class CmsError(UpstreamUnavailable):
    """The CMS answered, but not as a readable collection would (a refused token, a bad item)."""


class CmsReader:
    """Fetches one secret by name through `GET /items/<collection>?filter[name][_eq]=<name>`.

    A filter rather than `/items/<collection>/<name>`: Directus answers 403 for a missing item, the
    same as for a refused token; the filtered list tells "absent" (empty) from "refused" (403).
    """

    def __init__(
        self,
        client: Requester,
        collection: str,
        token: Callable[[], bytes],
        retries: int,
        on_request: Callable[[str], None] | None = None,
    ) -> None:
        self._client = client
        self._items = f"/items/{collection}"
        self._token = token
        self._retries = retries
        self._on_request = on_request or (lambda outcome: None)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self._token().decode("utf-8"), "Accept": "application/json"}

    async def fetch(self, name: str) -> SecretRecord | None:
        """The stored record, None when the CMS has no such item; CmsError/UpstreamUnavailable else."""
        params = {"filter[name][_eq]": name, "fields": FIELDS, "limit": "2"}

        async def attempt() -> Response:
            return await self._client.request("GET", self._items, params=params, headers=self._headers())

        try:
            response = await with_retries(attempt, self._retries, "CMS")
        except UpstreamUnavailable:
            self._on_request("unavailable")
            raise
        if response.status != 200:
            self._on_request(f"http_{response.status}")
            raise CmsError(f"CMS: HTTP {response.status} reading the collection")
        self._on_request("ok")
        items = _items(response)
        if not items:
            return None
        if len(items) > 1:
            raise CmsError("CMS: more than one item for one name")
        try:
            record = SecretRecord.model_validate(items[0])
        except ValidationError:
            raise CmsError("CMS: the item does not match the data model") from None
        if record.name != name:
            raise CmsError("CMS: the item answered is not the one asked")
        return record

    async def ready(self) -> bool:
        """Whether the collection is readable with the token now (readiness)."""

        async def attempt() -> Response:
            return await self._client.request(
                "GET", self._items, params={"limit": "0", "fields": "name"}, headers=self._headers()
            )

        try:
            response = await with_retries(attempt, 0, "CMS")
        except UpstreamUnavailable:
            return False
        return response.status == 200


def _items(response: Response) -> list[Any]:
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise CmsError("CMS: response too large")
    try:
        document = response.json()
    except ValueError:
        raise CmsError("CMS: response is not JSON") from None
    items = document.get("data") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise CmsError("CMS: response has no data list")
    return items
