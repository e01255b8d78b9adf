"""Messages the application tier speaks are translation strings in the "shop" domain.

They stay untranslated here (a service does not know how a message will be shown); the
presentation tier translates them into the visitor's language, integrators may call
``.interpolate()`` for the English text.
"""

from translationstring import TranslationStringFactory

_ = TranslationStringFactory("shop")
