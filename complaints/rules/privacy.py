"""What people outside a case see of a customer's contact details."""


def mask_phone(phone: str) -> str:
    """Rule: a phone number shows its first three and last four digits; the rest becomes *.

    Example: mask_phone("+8613800138001") == "+86138****8001"; mask_phone("12345") == "*****"
    Why: contact details are visible to the people handling the case and masked for everyone else;
    the visible digits are enough to tell two customers apart on a list.
    """
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) <= 7:
        return "".join("*" if ch.isdigit() else ch for ch in phone)
    country = 2 if phone.startswith("+86") else 0
    keep = set(digits[: country + 3]) | set(digits[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(phone))


def mask_name(name: str) -> str:
    """Rule: a name keeps its first character; every other letter becomes *.

    Example: mask_name("陈先生") == "陈**"; mask_name("Zhou Wei") == "Z*** ***"
    Why: a case in the library teaches how a problem was solved, not who had it.
    """
    name = name.strip()
    return name[:1] + "".join(" " if ch.isspace() else "*" for ch in name[1:]) if name else ""
