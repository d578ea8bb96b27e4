"""Every supported file type, made by the test, extracted; every bad file gets a typed error."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.unit.rag.conftest import make_eml, make_pdf
from yarrow.rag import (
    DocumentTooLarge,
    EncryptedDocument,
    ExtractionError,
    ExtractionLimits,
    NoTextFound,
    UnsupportedFileType,
)
from yarrow.rag.extractors import ExtractorRegistry, extract_file


def test_txt_utf8_and_line_endings() -> None:
    doc = extract_file("héllo\r\nworld\rend".encode(), "notes.txt")
    assert doc.text == "héllo\nworld\nend"
    assert doc.char_count == len("héllo\nworld\nend")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("naïve café".encode("utf-16"), "naïve café"),
        ("\ufeffBOM text".encode(), "BOM text"),
        ("Grüße aus Köln, schöne Straße".encode("cp1252"), "Grüße aus Köln, schöne Straße"),
    ],
)
def test_txt_encodings(data: bytes, expected: str) -> None:
    assert extract_file(data, "a.txt").text == expected


def test_binary_named_txt_is_rejected() -> None:
    with pytest.raises(ExtractionError, match="binary"):
        extract_file(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image.txt")


def test_empty_file_has_no_text() -> None:
    with pytest.raises(NoTextFound):
        extract_file(b"   \n\n ", "empty.txt")


def test_markdown_keeps_markup_and_title() -> None:
    doc = extract_file(b"intro\n# Install Guide\n\n## Steps\n- run `pip`\n", "guide.md")
    assert doc.metadata["title"] == "Install Guide"
    assert "## Steps\n- run `pip`" in doc.text


def test_html_visible_text_only() -> None:
    page = (
        b"<html><head><title>FAQ Page</title><style>p{color:red}</style></head>"
        b"<body><h1>FAQ</h1><p>First   answer.</p><script>alert('x')</script>"
        b"<ul><li>one</li><li>two</li></ul><noscript>enable js</noscript></body></html>"
    )
    doc = extract_file(page, "faq.html")
    assert doc.metadata["title"] == "FAQ Page"
    assert doc.text.splitlines() == ["FAQ", "First answer.", "one", "two"]
    assert "alert" not in doc.text and "color" not in doc.text and "enable js" not in doc.text


def test_pdf_pages_and_metadata() -> None:
    data = make_pdf([["Chapter one text"], ["Second page", "more lines"]], title="Manual")
    doc = extract_file(data, "manual.pdf")
    assert [p.metadata["page"] for p in doc.parts] == [1, 2]
    assert "Chapter one text" in doc.parts[0].text
    assert "Second page" in doc.parts[1].text and "more lines" in doc.parts[1].text
    assert doc.metadata["title"] == "Manual"
    assert doc.metadata["author"] == "Test Author"
    assert doc.metadata["pages"] == 2


def test_pdf_without_text_layer() -> None:
    with pytest.raises(NoTextFound):
        extract_file(make_pdf([[]]), "scan.pdf")


def test_encrypted_pdf() -> None:
    with pytest.raises(EncryptedDocument):
        extract_file(make_pdf([["secret"]], password="hunter2"), "locked.pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"not a pdf at all",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage",
        b"",
    ],
)
def test_broken_pdfs(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_file(data, "broken.pdf")


def test_truncated_pdf() -> None:
    data = make_pdf([["hello world"]])
    with pytest.raises(ExtractionError):
        extract_file(data[: len(data) // 3], "cut.pdf")


def test_docx_headings_tables_in_order(docx_bytes: bytes) -> None:
    doc = extract_file(docx_bytes, "report.docx")
    assert doc.metadata["title"] == "Quarterly Report"
    assert doc.text.split("\n\n") == [
        "# Quarterly Report",
        "Revenue grew in every region.",
        "## Details",
        "| Region | Growth |\n| --- | --- |\n| EMEA | 12% |",
        "Closing remarks after the table.",
    ]


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
    return out.getvalue()


@pytest.mark.parametrize("name", ["report.docx", "deck.pptx", "book.xlsx"])
def test_office_files_that_are_not_zips(name: str) -> None:
    with pytest.raises(ExtractionError, match="zip"):
        extract_file(b"PK\x03\x04 truncated nonsense", name)


@pytest.mark.parametrize("name", ["report.docx", "deck.pptx", "book.xlsx"])
def test_office_zip_without_office_parts(name: str) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "just a zip")
    with pytest.raises(ExtractionError):
        extract_file(out.getvalue(), name)


def test_docx_with_corrupt_xml(docx_bytes: bytes) -> None:
    broken = _rezip(docx_bytes, {"word/document.xml": b"<w:document><unclosed"})
    with pytest.raises(ExtractionError):
        extract_file(broken, "report.docx")


def test_zip_bomb_guard(docx_bytes: bytes) -> None:
    limits = ExtractionLimits(max_unpacked_bytes=2_000)
    with pytest.raises(DocumentTooLarge, match="unpacks"):
        extract_file(docx_bytes, "report.docx", limits)
    with pytest.raises(DocumentTooLarge, match="entries"):
        extract_file(docx_bytes, "report.docx", ExtractionLimits(max_archive_members=3))


def test_xlsx_rows_per_sheet(xlsx_bytes: bytes) -> None:
    doc = extract_file(xlsx_bytes, "catalog.xlsx")
    assert [p.text for p in doc.parts] == [
        "Name: Widget;Price: 9.5;Notes: blue",
        "Name: Gadget;Price: 12",
        "question: How to reset?;answer: Hold the button for 5 s.",
    ]
    assert [dict(p.metadata) for p in doc.parts] == [
        {"sheet": "Products", "row": 1},
        {"sheet": "Products", "row": 2},
        {"sheet": "FAQ", "row": 1},
    ]


def test_xlsx_with_corrupt_sheet(xlsx_bytes: bytes) -> None:
    broken = _rezip(xlsx_bytes, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})
    with pytest.raises(ExtractionError):
        extract_file(broken, "catalog.xlsx")


def test_pptx_slides_tables_and_notes(pptx_bytes: bytes) -> None:
    doc = extract_file(pptx_bytes, "plan.pptx")
    assert [p.metadata["slide"] for p in doc.parts] == [1, 2]
    assert doc.parts[0].text == "Launch Plan\nShip the beta in March\nNotes: Mention the budget"
    assert doc.parts[1].text == "Numbers\nQuarter | Users\nQ1 | 1200"


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (
            b"name,role\nAda,engineer\nGrace,admiral\n",
            ["name: Ada;role: engineer", "name: Grace;role: admiral"],
        ),
        (b"name;role\nAda;engineer\n", ["name: Ada;role: engineer"]),
        (b"q\ta\nWhy?\tBecause\n", ["q: Why?;a: Because"]),
        (b'"title","body"\n"A, B","line1\nline2"\n', ["title: A, B;body: line1\nline2"]),
        (b"a,,c\n1,2,3,4\n", ["a: 1;column 2: 2;c: 3;column 4: 4"]),
    ],
)
def test_csv_rows(data: bytes, rows: list[str]) -> None:
    doc = extract_file(data, "table.csv")
    assert [p.text for p in doc.parts] == rows
    assert doc.parts[0].metadata["row"] == 1


def test_csv_with_oversized_field() -> None:
    data = b"a,b\n" + b'"' + b"x" * 200_000 + b'",1\n'
    with pytest.raises(ExtractionError, match="CSV"):
        extract_file(data, "big.csv")


def test_csv_header_only_has_no_text() -> None:
    with pytest.raises(NoTextFound):
        extract_file(b"name,role\n", "empty.csv")


def test_json_object_and_array() -> None:
    obj = {"product": {"name": "Widget", "tags": ["a", "b"], "price": 9.5, "stock": None}}
    doc = extract_file(json.dumps(obj).encode(), "p.json")
    assert doc.text == (
        "product.name: Widget\nproduct.tags[0]: a\nproduct.tags[1]: b\n"
        "product.price: 9.5\nproduct.stock: null"
    )
    items = extract_file(b'[{"q": "Why?", "a": "Because"}, {"q": "How?"}]', "faq.json")
    assert [p.text for p in items.parts] == ["q: Why?\na: Because", "q: How?"]
    assert [p.metadata["item"] for p in items.parts] == [1, 2]


def test_jsonl() -> None:
    doc = extract_file(b'{"t": "one"}\n\n{"t": "two"}\n', "lines.jsonl")
    assert [p.text for p in doc.parts] == ["t: one", "t: two"]


@pytest.mark.parametrize("data", [b"{not json", b'{"a": 1,}', b"[" * 100 + b"]" * 100])
def test_bad_json(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_file(data, "bad.json")


def test_eml_plain_body_headers_and_attachments() -> None:
    doc = extract_file(make_eml(), "mail.eml")
    assert doc.text.startswith("Subject: Server maintenance on Friday\nFrom: Ops Team")
    assert "Downtime from 22:00 to 23:00.\nPlease save your work." in doc.text
    assert "<b>" not in doc.text
    assert doc.metadata["subject"] == "Server maintenance on Friday"
    assert doc.metadata["attachments"] == "plan.pdf"


def test_eml_html_only_body() -> None:
    doc = extract_file(make_eml(html_only=True), "mail.eml")
    assert "Downtime from\n22:00\n." in doc.text or "Downtime from 22:00" in doc.text
    assert "x()" not in doc.text


def test_eml_without_headers() -> None:
    with pytest.raises(ExtractionError, match="e-mail"):
        extract_file(b"just some words\nwithout headers", "mail.eml")


def test_unsupported_extension_lists_supported() -> None:
    with pytest.raises(UnsupportedFileType) as info:
        extract_file(b"data", "program.exe")
    assert "pdf" in info.value.message and "docx" in info.value.message
    with pytest.raises(UnsupportedFileType):
        extract_file(b"data", "no_extension")


def test_size_limit() -> None:
    with pytest.raises(DocumentTooLarge):
        extract_file(b"x" * 101, "a.txt", ExtractionLimits(max_bytes=100))
    with pytest.raises(DocumentTooLarge):
        extract_file(b"x" * 50, "a.txt", ExtractionLimits(max_chars=10))


def test_extension_is_case_insensitive_and_registry_lists_all() -> None:
    assert extract_file(b"hello", "README.TXT").text == "hello"
    extensions = ExtractorRegistry.default().extensions()
    for ext in ("txt", "md", "html", "pdf", "docx", "csv", "xlsx", "pptx", "json", "eml"):
        assert ext in extensions


def test_registry_accepts_custom_extractor() -> None:
    from yarrow.rag.extractors.text import TextExtractor

    registry = ExtractorRegistry()
    registry.register(TextExtractor(), ("log",))
    assert registry.extract(b"line", "app.log").text == "line"
    with pytest.raises(UnsupportedFileType):
        registry.extract(b"line", "app.txt")
