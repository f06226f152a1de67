"""Files on a document in Chromium: two files dropped on the drop zone, uploaded with
progress and listed; the list as a visitor sees it, at phone and desktop widths."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from file_samples import jpeg_with_gps, pdf

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PRACTICE = "driehoeksgesprekken-evaluatie-werkplekleren"
WIDTHS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 900}}

DROP = """([form, files]) => {
  const zone = document.querySelector(form);
  const transfer = new DataTransfer();
  for (const [name, type, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type }));
  }
  const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
  zone.dispatchEvent(new DragEvent("dragenter", options));
  const over = zone.classList.contains("is-dragover");
  zone.dispatchEvent(new DragEvent("drop", options));
  return over;
}"""


@pytest.fixture
def clean_practice(live_server: Any):
    """The practice without files before and after the test."""

    def remove_all() -> None:
        from lerend_netwerk.files import service
        from lerend_netwerk.practices.models import Practice

        with live_server.database() as session:
            practice = session.query(Practice).filter_by(slug=PRACTICE).one()
            for attachment in service.attachments_of("practice", practice.id):
                service.remove(attachment)

    remove_all()
    yield
    remove_all()


def _encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_dropping_two_files_uploads_and_lists_them(
    signed_in, new_context, clean_practice, width
) -> None:
    page = signed_in("coordinator", viewport=WIDTHS[width])
    assert page.goto(f"/praktijken/{PRACTICE}").status == 200
    zone = page.locator("form.file-drop")
    zone.scroll_into_view_if_needed()
    assert zone.is_visible()
    # The script took over: the zone uploads at once, no button needed.
    assert page.get_by_role("button", name="Opladen").is_hidden()
    files = [
        ["Leidraad één.pdf", "application/pdf", _encoded(pdf(2))],
        ["werkplek foto.jpg", "image/jpeg", _encoded(jpeg_with_gps((1200, 900)))],
    ]
    with page.expect_navigation():
        highlighted = page.evaluate(DROP, ["form.file-drop", files])
    assert highlighted
    items = page.locator(".file-list .file-item")
    items.first.wait_for()
    # One after the other, in the order they were dropped.
    assert page.locator(".file-list .file-name").all_inner_texts() == [
        "Leidraad één.pdf",
        "werkplek foto.jpg",
    ]
    text = page.locator("#bestanden").inner_text()
    assert "Leidraad één.pdf" in text and "werkplek foto.jpg" in text
    assert "PDF ·" in text and "JPEG-afbeelding ·" in text
    thumbnail = page.locator(".file-list img.file-thumb")
    assert thumbnail.count() == 1
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    # Opened, the rename and replace forms fit the width too.
    page.locator(".file-manage > summary").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    screenshot(page, f"bestanden-coordinator-{width}")

    # A visitor sees the list, opens the PDF, and gets no drop zone.
    visitor = new_context(viewport=WIDTHS[width]).new_page()
    assert visitor.goto(f"/praktijken/{PRACTICE}").status == 200
    assert visitor.locator("form.file-drop").count() == 0
    assert visitor.locator(".file-list .file-item").count() == 2
    link = visitor.get_by_role("link", name="Leidraad één.pdf")
    response = visitor.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    visitor.locator("#bestanden").scroll_into_view_if_needed()
    screenshot(visitor, f"bestanden-bezoeker-{width}")


def test_a_refused_file_says_why_next_to_its_name(browser, live_server, clean_practice) -> None:
    # Not a watched page: the refusal is a 422 answer, on purpose.
    context = browser.new_context(base_url=live_server.url, locale="nl-BE")
    page = context.new_page()
    sign_in(page, live_server, "coordinator")
    page.goto(f"/praktijken/{PRACTICE}")
    program = bytearray(512)
    program[0:2] = b"MZ"
    files = [["rapport.pdf", "application/pdf", _encoded(bytes(program))]]
    page.evaluate(DROP, ["form.file-drop", files])
    error = page.locator(".file-progress .is-error")
    error.wait_for()
    assert "Programma's kunnen niet opgeladen worden" in error.inner_text()
    assert "rapport.pdf" in page.locator(".file-progress").inner_text()
    assert page.locator(".file-list").count() == 0
    context.close()
