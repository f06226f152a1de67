"""One slug rule for forms, the content import and the services."""

from __future__ import annotations

import pytest

from lerend_netwerk.content_io.document import check_slug
from lerend_netwerk.core.slugs import SLUG_MAX_LENGTH, is_slug, slugify

ODD = ["-a--b-", "a--b", "-leie", "leie-", "Leie", "leie_2022", "bezoek leie", ""]


@pytest.mark.parametrize("slug", ["leie", "bezoek-2022-leie", "a1-b2", "x" * SLUG_MAX_LENGTH])
def test_good_slugs(slug):
    assert is_slug(slug)
    assert check_slug(slug) is None


@pytest.mark.parametrize("slug", [*ODD, "x" * (SLUG_MAX_LENGTH + 1)])
def test_odd_slugs_are_refused_everywhere(slug):
    assert not is_slug(slug)
    assert check_slug(slug) is not None


def test_slugify_makes_slugs():
    assert slugify("Bezoek aan de Leie — 2022!") == "bezoek-aan-de-leie-2022"
    assert is_slug(slugify("--Één -- twee--"))


@pytest.mark.parametrize("slug", ["-a--b-", "a--b"])
def test_the_form_and_the_import_agree(app, slug):
    from lerend_netwerk.recommendations.forms import ThreadForm

    with app.test_request_context(method="POST", data={"slug": slug}):
        form = ThreadForm(meta={"csrf": False})
        form.validate()
        assert form.slug.errors
    assert check_slug(slug) is not None
