"""The texts of the emails and SMS the accounts send, in the recipient's language.

They are kept here rather than in the UI catalogs: a message is written once, when it is queued,
in the language of the person who will read it (SMS gateways in China also want fixed templates
with parameters, which these are). ``{code}``, ``{link}``, ``{minutes}`` are filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.application.locales import normalize_locale


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


TEXTS: dict[str, dict[str, Text]] = {
    "register_code": {
        "zh_CN": Text("注册验证码",
                      "您的注册验证码是 {code}，{minutes} 分钟内有效。"
                      "如非本人操作，请忽略本消息。"),
        "en": Text("Your registration code",
                   "Your registration code is {code}. It is valid for {minutes} minutes. "
                   "If you did not ask for it, ignore this message."),
    },
    "register_taken": {
        "zh_CN": Text("您已注册过",
                      "有人尝试用本地址注册新账户，但您已有账户。请直接登录；"
                      "如果忘记密码，请使用“找回密码”。如非本人操作，请忽略本消息。"),
        "en": Text("You already have an account",
                   "Someone tried to register a new account with this address, but you already "
                   "have one. Log in, or use \"Forgot your password\" if you need to. "
                   "If it was not you, ignore this message."),
    },
    "reset_code": {
        "zh_CN": Text("找回密码验证码",
                      "您正在找回密码，验证码是 {code}，{minutes} 分钟内有效。"
                      "如非本人操作，请忽略本消息，您的密码不会改变。"),
        "en": Text("Your password reset code",
                   "Your password reset code is {code}. It is valid for {minutes} minutes. "
                   "If you did not ask for it, ignore this message; your password stays as it is."),
    },
    "reset_link": {
        "zh_CN": Text("重设密码",
                      "请在 {minutes} 分钟内打开以下链接设置新密码（链接只能使用一次）："
                      "\n\n{link}\n\n"
                      "如非本人操作，请忽略本邮件，您的密码不会改变。"),
        "en": Text("Reset your password",
                   "Open this link within {minutes} minutes to choose a new password (it works "
                   "once):\n\n{link}\n\nIf you did not ask for it, ignore this email; your "
                   "password stays as it is."),
    },
    "change_code": {
        "zh_CN": Text("验证新的联系方式",
                      "您正在将此地址绑定到账户，验证码是 {code}，{minutes} 分钟内有效。"
                      "如非本人操作，请忽略本消息。"),
        "en": Text("Confirm your new address",
                   "Your confirmation code is {code}. It is valid for {minutes} minutes. "
                   "If you did not ask for it, ignore this message."),
    },
    "contact_changed": {
        "zh_CN": Text("账户联系方式已更改",
                      "您账户的{what}已更改为 {new}。如非本人操作，请立即找回密码并联系客服。"),
        "en": Text("Your account's contact details changed",
                   "Your account's {what} was changed to {new}. If it was not you, reset your "
                   "password at once and contact customer service."),
    },
}

WHAT = {"zh_CN": {"email": "邮箱", "mobile": "手机号"},
        "en": {"email": "email address", "mobile": "mobile number"}}


def render(name: str, locale: str | None, **values: object) -> Text:
    """The message ``name`` in ``locale`` (the shop's default language when unknown)."""
    locale = normalize_locale(locale)
    if "what" in values:
        values["what"] = WHAT[locale][str(values["what"])]
    text = TEXTS[name][locale]
    return Text(text.subject.format(**values), text.body.format(**values))
