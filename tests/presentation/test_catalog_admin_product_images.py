"""The editor's images: upload (checked by their bytes and size, refused at the field with
nothing written), the gallery's order and cover, removal, the static route serving them, and
the body limit that lets an image through on its route only."""

from __future__ import annotations

import pytest
import webtest

from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
BASE = "/admin/catalog/products"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.media.directory": str(tmp_path / "media"),
            "shop.media.max_bytes": "2000"}


@pytest.fixture
def key(system):
    factories.small_catalog(system, products=1)
    return system.products.products().rows[0].id


def signed_in(app, system, roles=("merchandiser",)):
    sf.cookie(app, system, "staff", sf.staff(system, roles).id)


def _files(shop) -> list[str]:
    folder = shop.media.directory
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _upload(app, key, content, name="photo.png", **fields):
    form = app.get(f"{BASE}/{key}", headers=EN).forms["image-form"]
    form["image"] = webtest.Upload(name, content, "image/png")
    for field, value in fields.items():
        form[field] = value
    return form


def test_upload_then_serve_reorder_and_remove(app, system, shop, key):
    signed_in(app, system)
    edit = _upload(app, key, PNG, alt_en="Front").submit(headers=EN, status=303).follow(
        headers=EN)
    (image,) = edit.html.select("#gallery figure.image")
    url = image.select_one("img")["src"]
    assert url.startswith("/media/products/") and "photo" not in url and "cover" in image["class"]
    served = app.get(url)
    assert served.body == PNG and served.content_type == "image/png"
    _upload(app, key, JPEG, "second.jpg").submit(headers=EN, status=303)
    edit = app.get(f"{BASE}/{key}", headers=EN)
    second = edit.html.select("#gallery figure.image")[1]
    cover = next(f for f in edit.forms.values()
                 if f.action.endswith(f"/images/{second['data-image']}/place")
                 and f["place"].value == "1")
    cover.submit(status=303)
    assert system.products.product(key).cover_image_url.endswith(".jpg")
    edit = app.get(f"{BASE}/{key}", headers=EN)
    next(f for f in edit.forms.values()
         if f.action.endswith(f"/images/{second['data-image']}/delete")).submit(status=303)
    assert system.products.product(key).cover_image_url == url
    assert len(system.products.product(key).images) == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"GIF89a" + b"\x00" * 64, "Only JPEG, PNG and WebP images are accepted"),
    (b"<svg onload='alert(1)'/>", "Only JPEG, PNG and WebP images are accepted"),
    (PNG + b"\x00" * 3000, "The image is larger than"),
])
def test_a_bad_file_is_refused_at_its_field_and_nothing_is_written(app, system, shop, key,
                                                                   content, message):
    signed_in(app, system)
    page = _upload(app, key, content, alt_en="kept").submit(headers=EN, status=400)
    assert message in page.html.select_one("#error-image").text
    assert page.forms["image-form"]["alt_en"].value == "kept"
    assert _files(shop) == [] and system.products.product(key).images == ()


def test_only_catalog_writers_upload(app, system, shop, key):
    signed_in(app, system, ["marketing"])
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    app.post(f"{BASE}/{key}/images", {"csrf_token": csrf},
             upload_files=[("image", "a.png", PNG)], status=403)
    assert _files(shop) == []


def test_an_image_may_be_larger_than_other_forms_on_its_route_only(app, system, key):
    """Every other form stays under 1 MiB; the image route takes up to its limit (here, the
    default 5 MiB): a 2 MiB image gets the application's answer, not a 413."""
    app.app.registry.shop_upload_limits["admin_catalog_products_images"] = 5 * 1024 * 1024
    signed_in(app, system)
    csrf = app.get(f"{BASE}/{key}").forms["image-form"]["csrf_token"].value
    big = PNG + b"\x00" * (2 * 1024 * 1024)
    page = app.post(f"{BASE}/{key}/images", {"csrf_token": csrf},
                    upload_files=[("image", "big.png", big)], headers=EN, status=400)
    assert "larger than" in page.html.select_one("#error-image").text
    app.post(f"{BASE}/{key}/skus", {"csrf_token": csrf},
             upload_files=[("image", "big.png", big)], status=413)


def test_only_product_images_are_served(app, shop):
    """After-sales photos share the media directory; only its products/ folder is public."""
    root = shop.media.directory.parent
    root.mkdir(parents=True, exist_ok=True)
    (root / ("a" * 32 + ".png")).write_bytes(PNG)
    app.get(f"/media/{'a' * 32}.png", status=404)
    app.get(f"/media/products/../{'a' * 32}.png", status=404)
