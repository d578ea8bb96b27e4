"""Real files of every supported type, made by the tests with the format's own writer."""

from __future__ import annotations

import io
from email.message import EmailMessage

import docx
import pytest
from openpyxl import Workbook
from pptx import Presentation
from pptx.util import Inches
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas


def make_pdf(pages: list[list[str]], *, password: str | None = None, title: str = "") -> bytes:
    """A PDF with one text line per entry on each page (reportlab)."""
    buffer = io.BytesIO()
    encrypt = StandardEncryption(password, canPrint=0) if password else None
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    if title:
        pdf.setTitle(title)
        pdf.setAuthor("Test Author")
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.core_properties.title = "Quarterly Report"
    document.add_heading("Quarterly Report", level=1)
    document.add_paragraph("Revenue grew in every region.")
    document.add_heading("Details", level=2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Region"
    table.cell(0, 1).text = "Growth"
    table.cell(1, 0).text = "EMEA"
    table.cell(1, 1).text = "12%"
    document.add_paragraph("Closing remarks after the table.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Products"
    sheet.append(["Name", "Price", "Notes"])
    sheet.append(["Widget", 9.5, "blue"])
    sheet.append(["Gadget", 12, None])
    sheet.append([None, None, None])
    second = book.create_sheet("FAQ")
    second.append(["question", "answer"])
    second.append(["How to reset?", "Hold the button for 5 s."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_pptx() -> bytes:
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Launch Plan"
    slide.placeholders[1].text = "Ship the beta in March"
    slide.notes_slide.notes_text_frame.text = "Mention the budget"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Numbers"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    table.cell(0, 0).text = "Quarter"
    table.cell(0, 1).text = "Users"
    table.cell(1, 0).text = "Q1"
    table.cell(1, 1).text = "1200"
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def make_eml(*, html_only: bool = False) -> bytes:
    message = EmailMessage()
    message["Subject"] = "Server maintenance on Friday"
    message["From"] = "Ops Team <ops@example.com>"
    message["To"] = "all@example.com"
    message["Date"] = "Fri, 20 Nov 2026 10:00:00 +0000"
    if html_only:
        message.set_content(
            "<html><body><p>Downtime from <b>22:00</b>.</p><script>x()</script></body></html>",
            subtype="html",
        )
    else:
        message.set_content("Downtime from 22:00 to 23:00.\nPlease save your work.")
        message.add_alternative("<p>Downtime from <b>22:00</b>.</p>", subtype="html")
        message.add_attachment(
            b"%PDF-1.4", maintype="application", subtype="pdf", filename="plan.pdf"
        )
    return message.as_bytes()


@pytest.fixture(scope="session")
def docx_bytes() -> bytes:
    return make_docx()


@pytest.fixture(scope="session")
def xlsx_bytes() -> bytes:
    return make_xlsx()


@pytest.fixture(scope="session")
def pptx_bytes() -> bytes:
    return make_pptx()
