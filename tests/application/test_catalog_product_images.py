"""Product images (``uow.products``): an upload is taken by what its bytes are (JPEG, PNG,
WebP) and within the size limit, stored under a random name in the media directory, and the
gallery's first image is the product's cover; a refusal writes nothing, no file either, and a
file written in a transaction that aborts is deleted again."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from shop.application import Forbidden, Invalid, NotFound, Upload
from shop.application.catalog.media import MediaStore, image_kind
from shop.data.models import AuditEntry, ProductImage
from tests import factories
from tests import staff_factories as sf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.media.directory": str(tmp_path / "media"),
            "shop.media.max_bytes": "1000"}


@pytest.fixture
def product(system):
    factories.small_catalog(system, products=1)
    return system.products.products().rows[0]


def _files(shop) -> list[str]:
    folder = shop.media.directory
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _rows(system) -> int:
    return system._session.scalar(select(func.count()).select_from(ProductImage))


def test_the_kinds_are_told_by_their_bytes():
    assert [image_kind(x) for x in (PNG, JPEG, WEBP, b"GIF89a", b"RIFF\0\0\0\0WAVE", b"")] == [
        "png", "jpg", "webp", None, None, None]


def test_upload_stores_a_random_name_and_the_first_is_the_cover(shop, system, product):
    editor = system.products.add_image(product.id, Upload(io.BytesIO(PNG), "../../evil.php"),
                                       {"alt_en": "Front"})
    (image,) = editor.images
    name = image.url.rsplit("/", 1)[1]
    assert image.url.startswith("/media/products/") and name.endswith(".png")
    assert "evil" not in name and len(name) == 36
    assert (shop.media.directory / name).read_bytes() == PNG
    assert editor.cover_image_url == image.url and image.is_cover
    editor = system.products.add_image(product.id, Upload(io.BytesIO(JPEG), "b.png"))
    editor = system.products.add_image(product.id, Upload(io.BytesIO(WEBP), "c"))
    assert [i.url.rsplit(".", 1)[1] for i in editor.images] == ["png", "jpg", "webp"]
    card = system.catalog.category_page("shirts", {}).products
    assert card[0].image_url == editor.images[0].url
    assert system.catalog.product_page(product.slug).images[0].alt == "Front"
    actions = system._session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("catalog.product.image%"))).all()
    assert actions == ["catalog.product.image.add"] * 3


@pytest.mark.parametrize(("content", "message"), [
    (b"GIF89a" + b"\x00" * 10, "Only JPEG, PNG and WebP"),
    (b"<?php echo 1; ?>", "Only JPEG, PNG and WebP"),
    (PNG + b"\x00" * 1000, "larger than"),
    (b"", "Choose an image"),
])
def test_a_bad_file_is_refused_at_its_field_and_nothing_is_written(shop, system, product,
                                                                   content, message):
    with pytest.raises(Invalid) as raised:
        system.products.add_image(product.id, Upload(io.BytesIO(content), "photo.jpg"))
    assert message in raised.value.errors["image"].interpolate()
    assert _files(shop) == [] and _rows(system) == 0
    with pytest.raises(Invalid):
        system.products.add_image(product.id, None)


def test_a_file_written_for_a_transaction_that_aborts_goes_again(shop, system, product):
    system._session.flush()
    with pytest.raises(RuntimeError), shop.transaction(actor=system.actor) as tx:
        tx.products.add_image(product.id, Upload(io.BytesIO(PNG)))
        assert len(_files(shop)) == 1
        raise RuntimeError("something after the upload failed")
    assert _files(shop) == []


def test_reorder_makes_the_cover_and_remove_deletes_the_file_after_commit(shop, system,
                                                                          product):
    for content in (PNG, JPEG, WEBP):
        editor = system.products.add_image(product.id, Upload(io.BytesIO(content)))
    first, second, third = editor.images
    editor = system.products.move_image(product.id, third.id, {"place": "1"})
    assert [i.id for i in editor.images] == [third.id, first.id, second.id]
    assert editor.cover_image_url == third.url
    editor = system.products.move_image(product.id, third.id, {"place": "9"})
    assert [i.id for i in editor.images] == [first.id, second.id, third.id]
    with pytest.raises(Invalid) as raised:
        system.products.move_image(product.id, third.id, {"place": "0"})
    assert "place" in raised.value.errors
    editor = system.products.remove_image(product.id, first.id)
    assert editor.cover_image_url == second.url
    assert len(_files(shop)) == 3  # not before the commit
    with pytest.raises(NotFound):
        system.products.remove_image(product.id, first.id)


def test_remove_deletes_the_file_once_committed(shop, system, product):
    system.products.add_image(product.id, Upload(io.BytesIO(PNG)))
    system._session.flush()
    image = system.products.product(product.id).images[0]
    with shop.transaction(actor=system.actor) as tx:
        tx.products.remove_image(product.id, image.id)
    assert _files(shop) == []


def test_only_catalog_writers_upload(system, product, shop):
    marketing = sf.acting(system, sf.staff(system, ["marketing"]))
    with pytest.raises(Forbidden):
        marketing.products.add_image(product.id, Upload(io.BytesIO(PNG)))
    assert _files(shop) == []


def test_the_settings_are_checked(tmp_path):
    store = MediaStore.from_settings({"shop.media.directory": str(tmp_path)})
    assert store.max_image_bytes == 5 * 1024 * 1024
    assert store.directory == tmp_path / "products"  # after-sales photos stay beside it
    with pytest.raises(Invalid):
        MediaStore.from_settings({"shop.media.max_bytes": "lots"})
    assert store.file_of("/media/products/../x") is None
    assert store.file_of("https://cdn.example/a.png") is None
