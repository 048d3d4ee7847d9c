"""A year's public holidays and adjusted working days (调休) from maintained packages: mainland China
from `chinesecalendar` (the State Council's schedule, with the weekend days worked in exchange), every
other country from `holidays` (public holidays only; it knows no adjusted working days)."""

from dataclasses import dataclass
from datetime import date

import chinese_calendar
import holidays

CHINA = "CN"


@dataclass(frozen=True)
class PublicDay:
    date: date
    working: bool  # True: an adjusted working day; False: a holiday
    name: str


class UnknownCountry(ValueError):
    """The package knows no holidays for this country or year."""


def countries() -> list[str]:
    """Country codes (ISO 3166-1 alpha-2) holidays can be filled for, China first."""
    return [CHINA, *sorted(code for code in holidays.list_supported_countries() if code != CHINA)]


def public_days(*, year: int, country: str, chinese: bool) -> list[PublicDay]:
    """The year's holidays and adjusted working days of a country, by date; names in Chinese when
    `chinese` (and the source has them), else in English."""
    country = country.upper()
    if country == CHINA:
        return _china(year, chinese)
    if country not in holidays.list_supported_countries():
        raise UnknownCountry(country)
    table = holidays.country_holidays(country, years=year)
    wanted = "zh_CN" if chinese else "en_US"
    if wanted in table.supported_languages:
        table = holidays.country_holidays(country, years=year, language=wanted)
    return [PublicDay(day, False, str(name)) for day, name in sorted(table.items()) if day.year == year]


def _china(year: int, chinese: bool) -> list[PublicDay]:
    days = [(day, False, name) for day, name in chinese_calendar.holidays.items() if day.year == year]
    days += [(day, True, name) for day, name in chinese_calendar.workdays.items() if day.year == year]
    if not days:
        raise UnknownCountry(f"{CHINA} {year}")
    names = {h.value: h.chinese for h in chinese_calendar.Holiday} if chinese else {}
    return [PublicDay(day, working, names.get(name, name)) for day, working, name in sorted(days)]
