import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.errors import InputPathError
from index.loaders import find_files, load_documents


def load(folder):
    warnings = []
    docs = load_documents([folder], warn=warnings.append)
    return {d.id: d for d in docs}, warnings


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica, built by hand (no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_text_file_short_first_line_is_the_title_and_text_is_verbatim(tmp_path):
    raw = "Bridge opens\r\nThe bridge opened on Friday.The mayor spoke.\r\n"
    (tmp_path / "a.txt").write_bytes(raw.encode())
    docs, _ = load(tmp_path)
    assert docs["a"].title == "Bridge opens"
    assert docs["a"].text == raw


def test_text_file_without_a_short_first_line_takes_its_first_sentence(tmp_path):
    (tmp_path / "b.txt").write_text("\nThe conference opened on Monday in the city. More followed.")
    docs, _ = load(tmp_path)
    assert docs["b"].title == "The conference opened on Monday in the city."


def test_an_untitled_article_gets_its_first_words_cut_at_a_word_boundary(tmp_path):
    from index.loaders import SHORT_TITLE_CHARS

    sentence = ("The regional health board said on Thursday that the new clinic in the northern district "
                "would open two months later than planned because of supply delays.")
    (tmp_path / "c.txt").write_text(sentence + " A second sentence follows.")
    title = load(tmp_path)[0]["c"].title
    assert title.endswith("…") and len(title) <= SHORT_TITLE_CHARS + 1
    assert sentence.startswith(title[:-1]) and sentence[len(title) - 1] == " "  # whole words only


def test_markdown_heading_is_the_title(tmp_path):
    (tmp_path / "m.md").write_text("Intro line\n\n# The Real Title\n\nBody text here.")
    docs, _ = load(tmp_path)
    assert docs["m"].title == "The Real Title"


def test_html_drops_scripts_and_styles_and_keeps_blocks_apart(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><head><title>Page title</title><style>p {color: red}</style></head><body>"
        "<script>alert('x')</script><h1>Heading</h1><p>First <b>bold</b> paragraph.</p><p>Second one.</p>"
        "</body></html>"
    )
    docs, _ = load(tmp_path)
    doc = docs["p"]
    assert doc.title == "Page title"
    assert "alert" not in doc.text and "color" not in doc.text
    assert doc.text.splitlines() == ["Heading", "First bold paragraph.", "Second one."]


NEWS_PAGE = """<html><head><title>Flood closes the old bridge | Coldbrook Echo</title>
<meta property="og:site_name" content="Coldbrook Echo"></head><body>
<header><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav></header>
<article><h1>Flood closes the old bridge</h1>
<p>The River Lene burst its banks on Friday, closing the old bridge for the third time this year. Engineers said
the structure was sound but the approach road lay under half a metre of water.</p>
<p>The council said it would reopen the bridge once the water had gone down, probably on Monday. Residents were
asked to use the ring road in the meantime, and buses will follow it too.</p>
<ul class="share"><li><a href="/s/1">Share on Facebook</a></li></ul></article>
<aside><h2>Related stories</h2><ul><li><a href="/a">Council budget approved after long debate</a></li></ul></aside>
<section id="comments"><h3>2 comments</h3><div class="comment"><p>Typical, every single year the same story.</p></div>
</section><footer><p>Copyright 2024 Coldbrook Echo. All rights reserved.</p></footer></body></html>"""


def test_a_news_page_gives_its_article_without_navigation_related_links_comments_or_footer(tmp_path):
    (tmp_path / "bridge.html").write_text(NEWS_PAGE, encoding="utf-8")
    docs, _ = load(tmp_path)
    doc = docs["bridge"]
    flat = " ".join(doc.text.split())
    assert "closing the old bridge for the third time this year" in flat
    assert "buses will follow it too." in flat
    for boilerplate in ("Home", "Sport", "Share on Facebook", "Related stories", "Council budget", "Typical",
                        "All rights reserved"):
        assert boilerplate not in doc.text
    assert doc.title == "Flood closes the old bridge" and doc.meta["source"] == "Coldbrook Echo"


def test_pdf_text_is_extracted(tmp_path):
    (tmp_path / "r.pdf").write_bytes(minimal_pdf("Harbour traffic grew by 12 percent."))
    docs, _ = load(tmp_path)
    assert "Harbour traffic grew by 12 percent." in docs["r"].text


def test_pypdf_warnings_in_the_log_name_the_file(tmp_path, caplog):
    pdf = minimal_pdf("Harbour traffic grew by 12 percent.")
    start = pdf.rindex(b"startxref") + len(b"startxref\n")
    (tmp_path / "r.pdf").write_bytes(pdf[:start] + b"9" + pdf[start:])  # a wrong xref offset: pypdf repairs it
    with caplog.at_level(logging.WARNING):
        docs, _ = load(tmp_path)
    assert "Harbour traffic" in docs["r"].text
    pypdf_lines = [r.getMessage() for r in caplog.records if "pypdf" in r.getMessage()]
    assert pypdf_lines and all(str(tmp_path / "r.pdf") in line for line in pypdf_lines)


def test_jsonl_loads_each_line_and_reports_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "n1", "title": "One", "text": "First text.", "url": "http://example.org/1"}),
        "{not json",
        json.dumps({"id": "n2", "text": "Second text without title."}),
        json.dumps({"title": "no id", "text": "x"}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    docs, warnings = load(tmp_path)
    assert set(docs) == {"n1", "n2"}
    assert docs["n1"].meta["url"] == "http://example.org/1"
    assert docs["n2"].title == "Second text without title."
    assert any("feed.jsonl:2" in w for w in warnings) and any("feed.jsonl:4" in w for w in warnings)


def test_binary_empty_and_broken_files_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text("Fine article\nSome text.")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    docs, warnings = load(tmp_path)
    assert set(docs) == {"good"}
    for name in ("binary.txt", "empty.txt", "broken.pdf"):
        assert sum(name in w for w in warnings) == 1


def test_unsupported_files_in_folders_are_ignored_but_named_files_are_reported(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK")
    assert find_files([tmp_path]) == []
    warnings = []
    assert load_documents([tmp_path / "notes.docx"], warn=warnings.append) == []
    assert "unsupported" in warnings[0]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(InputPathError, match="no such file"):
        find_files([tmp_path / "nope"])


@pytest.mark.parametrize("encoding, text", [
    ("cp1252", "Café “quoted” — naïve résumé, 5 € price.\nThe mayor said the bridge opened on Monday."),
    ("gb18030", "北京生物技术创新大会\n北京生物技术创新大会于2023年召开，共有二十七位院士出席。会议讨论了基因治疗和疫苗研发。"),
    ("utf-16", "Harbour news\nThe ferry left at dawn with 212 passengers on board."),
])
def test_files_in_other_encodings_are_decoded_with_exact_offsets(tmp_path, encoding, text):
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    warnings = []
    [document] = load_documents([tmp_path], warn=warnings.append)
    assert document.text == text and warnings == []


def test_bytes_no_encoding_explains_are_reported_and_skipped(tmp_path):
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 255)) * 20)
    (tmp_path / "good.txt").write_text("Good\nA readable article.", encoding="utf-8")
    warnings = []
    documents = load_documents([tmp_path], warn=warnings.append)
    assert [d.id for d in documents] == ["good"]
    assert len(warnings) == 1 and "noise.txt" in warnings[0] and "encoding" in warnings[0]


def test_a_link_out_of_the_folder_is_skipped_with_a_warning(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\nNot for the index.", encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "real.txt").write_text("Real\nAn article.", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    (folder / "inner.txt").symlink_to(folder / "real.txt")
    warnings = []
    documents = load_documents([folder], warn=warnings.append)
    assert sorted(d.id for d in documents) == ["inner", "real"]
    assert len(warnings) == 1 and "link.txt" in warnings[0] and "outside" in warnings[0]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400), suffix=st.sampled_from([".txt", ".md"]))
def test_arbitrary_unicode_files_load_exactly_or_are_reported(tmp_path_factory, text, suffix):
    folder = tmp_path_factory.mktemp("unicode")
    (folder / f"article{suffix}").write_text(text, encoding="utf-8", newline="")
    warnings = []
    documents = load_documents([folder], warn=warnings.append)
    if documents:
        [document] = documents
        assert document.text == text.removeprefix("\ufeff")  # a leading BOM marks the encoding
        assert warnings == []
    else:
        assert len(warnings) == 1 and "article" in warnings[0]  # never dropped silently
        assert not text.strip() or "\x00" in text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=200).filter(str.strip), min_size=1, max_size=4))
def test_arbitrary_unicode_in_jsonl_loads_exactly(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("jsonl")
    lines = [json.dumps({"id": f"a{i}", "text": t}) for i, t in enumerate(texts)]
    (folder / "articles.jsonl").write_text("\n".join(lines), encoding="utf-8")
    documents = load_documents([folder], warn=lambda _: None)
    assert [d.text for d in documents] == texts


def test_a_short_file_whose_encoding_cannot_be_told_is_named_not_guessed(tmp_path):
    (tmp_path / "short.txt").write_bytes("青岛山东省会议".encode("gb18030"))
    warnings, unreadable = [], []
    assert load_documents([tmp_path], warn=warnings.append, unreadable=unreadable) == []
    assert len(warnings) == 1 and "short.txt" in warnings[0] and "save it as UTF-8" in warnings[0]
    assert unreadable == [tmp_path / "short.txt"]


def test_a_linked_subfolder_is_skipped_with_a_warning(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.txt").write_text("Far\nAn article kept elsewhere.", encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "near.txt").write_text("Near\nAn article.", encoding="utf-8")
    (folder / "more").symlink_to(elsewhere)
    warnings = []
    assert [d.id for d in load_documents([folder], warn=warnings.append)] == ["near"]
    assert len(warnings) == 1 and "more" in warnings[0] and "link to a folder" in warnings[0]


@pytest.mark.parametrize("lead, title", [
    ("On October 19th, the 2023 China Biotechnology Innovation Conference, a national event, opened in Chengdu "
     "with many experts.", "2023 China Biotechnology Innovation Conference"),
    ("The 2021 World Biotechnology Industry Conference kicked off on Dec 13 in the eastern coastal city of Qingdao.",
     "2021 World Biotechnology Industry Conference"),
])
def test_an_article_without_a_headline_is_titled_by_the_name_its_lead_is_about(tmp_path, lead, title):
    (tmp_path / "a.txt").write_text(lead + " More text follows here.", encoding="utf-8")
    assert load(tmp_path)[0]["a"].title == title
