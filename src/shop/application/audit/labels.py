"""The audit log in words people read: what each action, entity and field is called, and how a
recorded value is shown.

The log keeps machine names (``accounts.customer.register``, ``referred_by_id``) because they
never change meaning; a page translates them here. An action or field recorded by code that
has no label yet is still shown readably: the action as it was recorded, a field with its
underscores turned into words (``referred_by_id`` → "Referred by"), so a missing label never
hides an entry. Add a label when you add an audited action.
"""

from __future__ import annotations

import json
from typing import Any

from translationstring import TranslationString

from shop.application.i18n import _

#: What each recorded action means, in the past tense of the log.
ACTIONS: dict[str, TranslationString] = {
    "accounts.customer.register": _("Customer registered"),
    "accounts.profile.update": _("Customer changed their profile"),
    "accounts.password.change": _("Customer changed their password"),
    "accounts.password.reset": _("Customer reset their password"),
    "accounts.email.change": _("Customer changed their email"),
    "accounts.mobile.change": _("Customer changed their mobile number"),
    "accounts.login.locked": _("Customer login locked after failed attempts"),
    "accounts.password.locked": _("Password change locked after failed attempts"),
    "oauth.identity.link": _("Customer linked a login provider"),
    "oauth.identity.unlink": _("Customer unlinked a login provider"),
    "address.create": _("Customer added an address"),
    "address.update": _("Customer changed an address"),
    "address.default": _("Customer chose a default address"),
    "address.delete": _("Customer deleted an address"),
    "invoice_title.save": _("Customer saved an invoice title"),
    "invoice_title.delete": _("Customer deleted an invoice title"),
    "rewards.points.grant": _("Points granted"),
    "staff.create": _("Staff member created"),
    "staff.update": _("Staff member changed"),
    "staff.password.reset": _("Staff password reset"),
    "staff.login": _("Staff member logged in"),
    "staff.logout": _("Staff member logged out"),
    "staff.role.create": _("Role created"),
    "staff.role.update": _("Role changed"),
    "staff.role.delete": _("Role deleted"),
    "settings.update": _("Base settings changed"),
    "catalog.product.create": _("Product created"),
    "catalog.product.update": _("Product changed"),
    "catalog.product.publish": _("Product published"),
    "catalog.product.unpublish": _("Product taken off the shop"),
    "catalog.product.image.add": _("Product image added"),
    "catalog.product.image.remove": _("Product image removed"),
    "catalog.product.image.reorder": _("Product image put in another place"),
    "catalog.product.sku.add": _("SKU added"),
    "catalog.product.skus.generate": _("SKUs generated"),
    "catalog.product.bulk": _("Product changed by a bulk action"),
    "catalog.product.import": _("Products imported from a file"),
    "catalog.category.create": _("Category created"),
    "catalog.brand.create": _("Brand created"),
    "catalog.attribute.create": _("Attribute created"),
    "catalog.category.update": _("Category renamed"),
    "catalog.category.move": _("Category moved"),
    "catalog.category.reorder": _("Category put in another place among its siblings"),
    "catalog.category.hide": _("Category hidden"),
    "catalog.category.show": _("Category shown"),
    "catalog.brand.update": _("Brand changed"),
    "catalog.brand.hide": _("Brand hidden"),
    "catalog.brand.show": _("Brand shown"),
    "catalog.attribute.update": _("Attribute changed"),
    "catalog.attribute.value.add": _("Attribute value added"),
    "catalog.attribute.value.rename": _("Attribute value renamed"),
    "catalog.attribute.value.reorder": _("Attribute value put in another place"),
    "catalog.attribute.value.delete": _("Attribute value deleted"),
    "inventory.adjust": _("Stock adjusted"),
    "order.ship": _("Order shipped"),
    "order.export": _("Orders exported"),
    "customer.export": _("Customers exported"),
    "catalog.product.export": _("Products exported"),
    "rma.export": _("After-sales requests exported"),
    "order.flag.add": _("Order flagged"),
    "order.flag.remove": _("Order flag removed"),
    "order.note.add": _("Staff note added to an order"),
    "order.review.approve": _("Order approved"),
    "order.review.reject": _("Order rejected"),
    "order.review.hold": _("Order put on hold"),
    "order.review.auto": _("Order reviewed by the rules"),
    "order.review.rules": _("Order review rules changed"),
    "order.entry.phone": _("Phone order entered"),
    "order.entry.zero_amount": _("Zero-amount order entered"),
    "order.entry.approve": _("Zero-amount order approved"),
    "order.entry.reject": _("Zero-amount order rejected"),
    "order.entry.import": _("Group-buy orders imported"),
    "shipments.record": _("Shipment recorded"),
    "shipments.add_event": _("Tracking event added"),
    "shipping.method.create": _("Shipping method created"),
    "shipping.method.update": _("Shipping method changed"),
    "payments.refund": _("Refund"),
    "rma.request": _("Customer asked for a refund, return or exchange"),
    "rma.withdraw": _("Customer withdrew an after-sales request"),
    "rma.approve": _("After-sales request approved"),
    "rma.reject": _("After-sales request rejected"),
    "rma.receive": _("Returned goods received and inspected"),
    "rma.refund": _("After-sales request refunded"),
    "rma.replace": _("Exchange replacement sent"),
    "rma.policy.save": _("Return policy of a category saved"),
    "rma.policy.delete": _("Return policy of a category removed"),
    "rma.ticket.submit": _("Customer sent a suggestion or complaint"),
    "rma.ticket.answer": _("Suggestion or complaint answered"),
    "payments.alert.resolve": _("Payment alert resolved"),
    "payments.balance.top_up": _("Balance topped up"),
    "payments.gift_cards.issue": _("Gift cards issued"),
    "payments.gift_cards.bind": _("Gift card added to an account"),
    "promotions.campaign.create": _("Promotion created"),
    "promotions.campaign.state": _("Promotion started, paused or ended"),
    "promotions.template.create": _("Promotion template saved"),
    "promotions.coupons.template.create": _("Coupon created"),
    "promotions.coupons.template.update": _("Coupon changed"),
    "promotions.coupons.template.deactivate": _("Coupon deactivated"),
    "promotions.coupons.issue": _("Coupon codes issued"),
    "promotions.coupons.grant": _("Coupons granted to customers"),
    "promotions.coupons.bind": _("Coupon code added to an account"),
    "events.dispatch": _("Events handed to their handlers"),
    "messaging.outbox.deliver": _("Emails and text messages sent"),
    "jobs.dead_letter.retry": _("Dead letter sent round again"),
    "jobs.purge": _("Old records purged"),
    "audit.export": _("Audit log exported"),
}

#: What the changed thing is.
ENTITIES: dict[str, TranslationString] = {
    "customer": _("Customer"),
    "address": _("Address"),
    "invoice_title": _("Invoice title"),
    "staff": _("Staff member"),
    "role": _("Role"),
    "settings": _("Base settings"),
    "product": _("Product"),
    "category": _("Category"),
    "brand": _("Brand"),
    "attribute": _("Attribute"),
    "attribute_value": _("Attribute value"),
    "sku": _("SKU"),
    "order": _("Order"),
    "rma": _("After-sales request"),
    "service_ticket": _("Suggestion or complaint"),
    "shipment": _("Shipment"),
    "shipping_method": _("Shipping method"),
    "payment_alert": _("Payment alert"),
    "gift_card": _("Gift card"),
    "gift_card_batch": _("Gift card batch"),
    "promotion": _("Promotion"),
    "promotion_template": _("Promotion template"),
    "coupon": _("Coupon"),
    "coupon_batch": _("Coupon batch"),
    "coupon_template": _("Coupon"),
    "event_delivery": _("Event delivery"),
    "outbox_message": _("Message"),
    "database": _("Database"),
    "audit": _("Audit log"),
    "order_review_rules": _("Order review rules"),
}

#: What a recorded field is called.
FIELDS: dict[str, TranslationString] = {
    "email": _("Email"),
    "mobile": _("Mobile number"),
    "name": _("Name"),
    "display_name": _("Display name"),
    "username": _("Username"),
    "gender": _("Gender"),
    "birthday": _("Birthday"),
    "referred_by_id": _("Referred by"),
    "profile_completed": _("Profile completed"),
    "password": _("Password"),
    "other_sessions_ended": _("Other sessions ended"),
    "sessions_ended": _("Sessions ended"),
    "channel": _("Sent by"),
    "identifier": _("Login name"),
    "scope": _("Locked for"),
    "until": _("Until"),
    "provider": _("Login provider"),
    "is_active": _("Active"),
    "roles": _("Roles"),
    "permissions": _("Permissions"),
    "code": _("Code"),
    "name_zh": _("Name (Chinese)"),
    "name_en": _("Name (English)"),
    "shop_name_zh": _("Shop name (Chinese)"),
    "shop_name_en": _("Shop name (English)"),
    "default_locale": _("Default language"),
    "currency": _("Currency"),
    "time_zone": _("Time zone"),
    "contact_email": _("Contact email"),
    "contact_phone": _("Contact phone"),
    "contact_address": _("Contact address"),
    "recipient": _("Recipient"),
    "province_code": _("Province"),
    "city_code": _("City"),
    "district_code": _("District"),
    "street": _("Street address"),
    "postcode": _("Postcode"),
    "is_default": _("Default"),
    "title_kind": _("Title for"),
    "title": _("Invoice title"),
    "tax_code": _("Taxpayer ID"),
    "bank_name": _("Bank"),
    "bank_account": _("Bank account"),
    "company_address": _("Company address"),
    "company_phone": _("Company phone"),
    "state": _("State"),
    "carrier": _("Carrier"),
    "tracking_number": _("Tracking number"),
    "amount": _("Amount"),
    "reason": _("Reason"),
    "balance": _("Balance"),
    "points": _("Points"),
    "quantity": _("Quantity"),
    "value": _("Value"),
    "delta": _("Change"),
    "on_hand": _("On hand"),
    "reference": _("Reference"),
    "customer_id": _("Customer"),
    "customer_ids": _("Customers"),
    "order_id": _("Order"),
    "template_id": _("Coupon"),
    "expires_at": _("Expires"),
    "expires_on": _("Expires on"),
    "position": _("Position"),
    "slug": _("Slug"),
    "parent": _("Parent category"),
    "place": _("Place"),
    "is_published": _("Shown"),
    "is_variant_axis": _("Variant axis"),
    "is_facet": _("Filter"),
    "publish_at": _("Publishing time"),
    "skus": _("SKUs"),
    "description_html": _("Description"),
    "sort_order": _("Sort order"),
    "reserves_stock": _("Stock reserved at order"),
    "category": _("Category"),
    "brand": _("Brand"),
    "url": _("Image"),
    "image": _("Image"),
    "alt_zh": _("Alt text (Chinese)"),
    "alt_en": _("Alt text (English)"),
    "pattern": _("Code pattern"),
    "price_rule": _("Price rule"),
    "values": _("Values"),
    "free_above": _("Free shipping from"),
    "rules": _("Fee rules"),
    "excluded_regions": _("Regions not served"),
    "kind": _("Kind"),
    "starts_at": _("Starts"),
    "ends_at": _("Ends"),
    "sent": _("Sent"),
    "failed": _("Failed"),
    "delivered": _("Delivered"),
    "subject": _("Subject"),
    "filters": _("Filters"),
    "rows": _("Rows"),
    "file": _("File"),
    "products": _("Products"),
    "first_product": _("First product"),
    "last_product": _("Last product"),
    "format": _("Format"),
    "flag": _("Flag"),
    "text": _("Text"),
    "note": _("Note"),
    "review": _("Review"),
    "enabled": _("Review orders before shipping"),
    "max_payable": _("Approve automatically below"),
    "require_address": _("Only with a complete address"),
    "no_risk_flag": _("Only without a risk flag"),
    "blacklist": _("Blacklisted shoppers"),
    "reasons": _("Why it waits"),
    "lines": _("Items"),
    "photos": _("Photos"),
    "disposition": _("Inspection result"),
    "refund_total": _("Refunded"),
    "staff_message": _("Message to the customer"),
    "replacement_carrier": _("Replacement carrier"),
    "replacement_tracking": _("Replacement tracking number"),
    "answer": _("Answer"),
    "no_reason_days": _("No-reason return days"),
    "return_days": _("Return and exchange days"),
}

#: How "no value" reads.
NOTHING = "—"
YES = _("Yes")
NO = _("No")


def action_label(action: str) -> TranslationString | str:
    return ACTIONS.get(action, action)


def entity_label(entity_type: str) -> TranslationString | str:
    return ENTITIES.get(entity_type, entity_type)


def field_label(field: str) -> TranslationString | str:
    """The field's label, or its name in words when it has none yet."""
    found = FIELDS.get(field)
    if found is not None:
        return found
    words = field.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else field


def shown(value: Any) -> TranslationString | str:
    """A recorded value as a person reads it: "—" for nothing, Yes/No, a list joined by commas,
    text without JSON's quotes; a mapping stays compact JSON."""
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list | tuple):
        return ", ".join(str(shown(item)) if not isinstance(item, bool) else str(item)
                         for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
