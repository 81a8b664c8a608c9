"""An invoice's EN 16931 e-invoice: the UN/CEFACT Cross Industry Invoice (CII D16B) XML that a
Factur-X PDF carries as ``factur-x.xml``, profile EN 16931 (Factur-X 1.0, guideline
``urn:cen.eu:en16931:2017``), and the PDF/A extension metadata (XMP) that names it.

Built from the same ``Document`` the PDF prints, so the XML's amounts are the printed ones:
each line's net amount (BT-131) is the line's amount, the sum of lines (BT-106) the subtotal,
the discount a document-level allowance (BT-92, "Discount"), the tax basis (BT-109) subtotal -
discount, the tax (BT-110) the invoice's, the grand total (BT-112) and amount due (BT-115) its
total. A credit note is type 381 with the same amounts positive (the type carries the sign)
and names the invoice it credits (BT-25); an invoice is 380. Time lines are hours (``HUR``) at
the rate, fees one unit (``C62``) at their amount. Every document is checked against the
Factur-X EN 16931 XSD with the ``factur-x`` library before it leaves: an invalid e-invoice
is never sent.

VAT (UNTDID 5305, chosen by ``read.tax_category``): S with the invoice's rate when it charged
tax; else the client's Z, E, AE, G or O with, but for Z, its exemption reason (BT-120; AE, G
and O have a default). The firm's ``tax_id`` is its VAT identifier (BT-31) when it begins
with a country prefix (FR12345678901), else its tax registration (BT-32); the client's is its
VAT identifier (BT-48) or, without a prefix, its legal registration (BT-47). Category O sends
neither VAT identifier (EN 16931 BR-O-02..04): the firm's tax id is its legal registration
(BT-30) then. The delivery date (BT-72) is the period's last day. Addresses: the first two
lines of an address are its lines one and two, the rest line three; postcode and city are not
split out (EN 16931 needs only the country, BT-40 and BT-55, from ``workspace.country`` and
the client's ``country``). Checked in the tests against the Factur-X EN 16931 schematron too
(business rules: the sums, and each VAT category's), where ``saxonche`` is installed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from bot.services.invoices.document import Document, Line, Party

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
GUIDELINE = "urn:cen.eu:en16931:2017"
FILENAME = "factur-x.xml"
LEVEL = "EN 16931"  # the XMP's fx:ConformanceLevel
REASONS = {"AE": "Reverse charge", "G": "Export outside the EU", "O": "Not subject to VAT"}
_VAT_ID = re.compile(r"^(?:[A-Z]{2}|EL)[0-9A-Z+*.]{2,13}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Invalid(Exception):
    """The e-invoice failed the EN 16931 schema (a bug: the import and the invoice decide it)."""


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = _CONTROL.sub(" ", text)
    return node


def _date(parent: etree._Element, tag: str, day: object) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")  # type: ignore[attr-defined]


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _number(value: Decimal) -> str:
    """A quantity, price or percent as given, without trailing zeros past the cents."""
    two = value.quantize(Decimal("0.01"))
    return f"{two:f}" if two == value else f"{value.normalize():f}"


def xml(doc: Document) -> bytes:
    """The invoice's CII XML (UTF-8), checked against the Factur-X EN 16931 schema."""
    if doc.draft:
        raise ValueError("a draft is not an invoice: it has no number")
    sign = Decimal(-1) if doc.kind == "credit_note" else Decimal(1)
    category = doc.tax_category or ("S" if doc.tax_rate else "Z")
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", "381" if doc.kind == "credit_note" else "380")
    _date(header, "ram:IssueDateTime", doc.issue_date)
    if doc.notes.strip():
        _el(_el(header, "ram:IncludedNote"), "ram:Content", doc.notes.strip())
    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for n, line in enumerate(doc.lines, start=1):
        _line(trade, n, line, doc, sign, category)
    agreement = _el(trade, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", doc.firm, category, seller=True)
    _party(agreement, "ram:BuyerTradeParty", doc.client, category, seller=False)
    delivery = _el(trade, "ram:ApplicableHeaderTradeDelivery")  # BT-72: the services' last day
    _date(_el(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime", doc.period_end)
    _settlement(_el(trade, "ram:ApplicableHeaderTradeSettlement"), doc, sign, category)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    _check(data)
    return bytes(data)


def _line(trade: etree._Element, n: int, line: Line, doc: Document, sign: Decimal, category: str) -> None:
    from bot.views.invoice import _describe  # the words the PDF prints for the line

    item = _el(trade, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(n))
    said = _describe(line, doc.locale)
    name = f"{line.project} — {said}" if said else line.project
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", name[:500] or line.kind)
    amount = line.amount * sign
    hourly = line.hours is not None
    price = (line.rate or Decimal(0)) if hourly else amount
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", _number(price))
    quantity = line.hours if hourly and line.hours is not None else Decimal(1)
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", _number(quantity), unitCode="HUR" if hourly else "C62")
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, "ram:ApplicableTradeTax", category, doc.tax_rate)
    _el(_el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
        _amount(amount))  # fmt: skip


def _tax(parent: etree._Element, tag: str, category: str, rate: Decimal | None) -> etree._Element:
    tax = _el(parent, tag)
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", category)
    if category != "O":  # "not subject to VAT" has no rate (BR-O-05)
        _el(tax, "ram:RateApplicablePercent", _number(rate if category == "S" and rate else Decimal(0)))
    return tax


def _party(parent: etree._Element, tag: str, party: Party, category: str, *, seller: bool) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    tax_id = re.sub(r"[\s-]", "", party.tax_id).upper()
    vat = bool(tax_id) and bool(_VAT_ID.match(tax_id)) and category != "O"
    if tax_id and ((not seller and not vat and category != "O") or (seller and category == "O")):
        # the buyer's id without a VAT prefix (BT-47); the seller's under O, which sends no VAT
        # number but must name the seller (BT-30, BR-CO-26)
        _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party.tax_id.strip())
    address = _el(node, "ram:PostalTradeAddress")
    lines = [text.strip() for text in party.address.splitlines() if text.strip()]
    for key, text in zip(("ram:LineOne", "ram:LineTwo"), lines[:2], strict=False):
        _el(address, key, text)
    if len(lines) > 2:
        _el(address, "ram:LineThree", ", ".join(lines[2:]))
    _el(address, "ram:CountryID", party.country)
    if party.email:
        _el(node, "ram:URIUniversalCommunication").append(_uri(party.email))
    if vat:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", tax_id, schemeID="VA")
    elif seller and tax_id and category != "O":
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.tax_id.strip(), schemeID="FC")


def _uri(email: str) -> etree._Element:
    node = etree.Element(f"{{{NS['ram']}}}URIID", schemeID="EM")
    node.text = email.strip()
    return node


def _settlement(node: etree._Element, doc: Document, sign: Decimal, category: str) -> None:
    _el(node, "ram:InvoiceCurrencyCode", doc.currency)
    basis = (doc.subtotal - doc.discount) * sign
    tax = _el(node, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", _amount(doc.tax * sign))
    _el(tax, "ram:TypeCode", "VAT")
    if category not in ("S", "Z"):  # S and Z carry no exemption reason (BR-S-10, BR-Z-10)
        _el(tax, "ram:ExemptionReason", doc.tax_exemption_reason or REASONS.get(category, "Exempt from VAT"))
    _el(tax, "ram:BasisAmount", _amount(basis))
    _el(tax, "ram:CategoryCode", category)
    if category != "O":
        _el(
            tax,
            "ram:RateApplicablePercent",
            _number(doc.tax_rate if category == "S" and doc.tax_rate else Decimal(0)),
        )
    period = _el(node, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", doc.period_start)
    _date(period, "ram:EndDateTime", doc.period_end)
    if doc.discount:
        allowance = _el(node, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(allowance, "ram:ActualAmount", _amount(doc.discount * sign))
        said = f"Discount {_number(doc.discount_percent)} %" if doc.discount_percent else "Discount"
        _el(allowance, "ram:Reason", said)
        _tax(allowance, "ram:CategoryTradeTax", category, doc.tax_rate)
    terms = _el(node, "ram:SpecifiedTradePaymentTerms")
    if doc.payment_instructions.strip():
        _el(terms, "ram:Description", " ".join(doc.payment_instructions.split()))
    _date(terms, "ram:DueDateDateTime", doc.due_date)
    sums = _el(node, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", _amount(doc.subtotal * sign))
    _el(sums, "ram:AllowanceTotalAmount", _amount(doc.discount * sign))
    _el(sums, "ram:TaxBasisTotalAmount", _amount(basis))
    _el(sums, "ram:TaxTotalAmount", _amount(doc.tax * sign), currencyID=doc.currency)
    _el(sums, "ram:GrandTotalAmount", _amount(doc.total * sign))
    _el(sums, "ram:DuePayableAmount", _amount(doc.total * sign))
    if doc.credit_for:
        _el(_el(node, "ram:InvoiceReferencedDocument"), "ram:IssuerAssignedID", doc.credit_for)


def _check(data: bytes) -> None:
    from facturx import xml_check_xsd

    try:
        xml_check_xsd(data, flavor="factur-x", level="en16931")
    except Exception as err:
        raise Invalid(str(err)) from err


def xmp() -> bytes:
    """The XMP (an ``rdf:RDF`` block) that declares the attachment a Factur-X invoice of level
    EN 16931, with the PDF/A extension schema that PDF/A-3 requires for the ``fx`` properties
    (the Factur-X 1.0 specification's, as WeasyPrint's documentation writes it)."""
    fx = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
    props = (("DocumentFileName", "The name of the embedded XML document"),
             ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
             ("Version", "The actual version of the standard applying to the embedded XML document"),
             ("ConformanceLevel", "The conformance level of the embedded XML document"))  # fmt: skip
    listed = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{said}</pdfaProperty:description></rdf:li>"
        for name, said in props
    )
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:fx="{fx}" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
        'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
        'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
        f'<rdf:Description rdf:about=""><fx:DocumentType>INVOICE</fx:DocumentType>'
        f"<fx:DocumentFileName>{FILENAME}</fx:DocumentFileName><fx:Version>1.0</fx:Version>"
        f"<fx:ConformanceLevel>{LEVEL}</fx:ConformanceLevel></rdf:Description>"
        '<rdf:Description rdf:about=""><pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
        "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{fx}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{listed}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description></rdf:RDF>"
    ).encode()
