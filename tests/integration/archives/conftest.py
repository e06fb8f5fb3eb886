"""Archive test fixtures: finished contracts with their materials, files of every kind."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.integration.contracts import conftest as _contracts
from tests.integration.contracts.conftest import installation

# The fixtures shared with the contracts tests, bound by name so pytest finds them here too.
as_role = _contracts.as_role
open_customer = _contracts.open_customer
price_standard = _contracts.price_standard

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


# What an installation contract needs in the archive (archives.materials.REQUIRED_MATERIALS).
INSTALLATION_MATERIALS = (
    ("contract", "合同文本.pdf", PDF),
    ("drawing", "竣工图.png", PNG),
    ("budget", "预算书.xlsx", None),
    ("notice", "送气通知单.pdf", PDF),
)


@pytest.fixture
def finished_contract(client, as_role, open_customer, price_standard):  # noqa: F811
    """A residential installation taken through to fulfilled by the front desk."""
    state = {"standard": False}

    async def make(*, fulfil: bool = True, **overrides) -> str:
        if not state["standard"]:
            await price_standard()
            state["standard"] = True
        desk = await as_role("frontdesk")
        account_no = await open_customer("residential")
        response = await client.post("/api/v1/contracts", json=installation(account_no, **overrides), headers=desk)
        assert response.status_code == 201, response.text
        no = response.json()["contract_no"]
        await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)
        await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)
        await client.post(f"/api/v1/contracts/{no}/transitions", headers=desk, json={"to": "active", "reason": "开工"})
        if fulfil:
            done = await client.post(f"/api/v1/contracts/{no}/transitions", headers=desk,
                                     json={"to": "fulfilled", "reason": "验收合格并通气"})
            assert done.json()["status"] == "fulfilled", done.text
        return no

    return make


@pytest.fixture
def upload(client, as_role):
    async def do(contract_no: str, kind: str, filename: str, data: bytes, *, by: str = "frontdesk"):
        return await client.post(
            f"/api/v1/contracts/{contract_no}/attachments", headers=await as_role(by),
            files={"file": (filename, data, "application/octet-stream")}, data={"kind": kind},
        )

    return do


@pytest.fixture
def with_materials(upload):
    async def do(contract_no: str) -> None:
        for kind, name, data in INSTALLATION_MATERIALS:
            response = await upload(contract_no, kind, name, data if data is not None else xlsx())
            assert response.status_code == 201, response.text

    return do
