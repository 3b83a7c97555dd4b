"""The vocabulary demo contacts and mailings are drawn from (made-up but plausible)."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara"
    " richard susan joseph jessica thomas sarah charles karen daniel nancy matthew lisa anthony"
    " betty mark sandra donald ashley steven emily paul kimberly andrew donna joshua michelle"
    " kenneth carol kevin amanda brian melissa george deborah timothy stephanie ronald rebecca"
    " jason laura edward sharon jeffrey cynthia ryan kathleen jacob amy gary angela nicholas"
    " shirley eric anna jonathan brenda stephen pamela larry emma justin nicole scott helen"
    " noah olivia liam sophia lucas mia leon hannah yosef noa ariel maya daniela tomas ana"
    " pierre camille luca giulia hans anke lars ingrid akira yuki raj priya omar leila"
)

LAST_NAMES = _words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez"
    " gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white"
    " harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres"
    " nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts"
    " cohen levi mizrahi peretz muller schmidt schneider fischer weber dubois moreau laurent"
    " rossi russo ferrari esposito bianchi kowalski nowak novak svensson hansen tanaka suzuki"
    " sato patel shah singh kumar haddad khalil silva santos oliveira costa"
)

# (country as stored in the `country` field, weight)
COUNTRIES = (
    ("United States", 34),
    ("United Kingdom", 10),
    ("Germany", 8),
    ("France", 6),
    ("Canada", 6),
    ("Israel", 5),
    ("Australia", 4),
    ("Spain", 4),
    ("Italy", 4),
    ("Netherlands", 3),
    ("Brazil", 3),
    ("India", 3),
    ("Japan", 2),
    ("Mexico", 2),
    ("Sweden", 2),
    ("Poland", 2),
    ("Ireland", 1),
    ("South Africa", 1),
)

# (email domain, weight)
DOMAINS = (
    ("gmail.com", 38),
    ("yahoo.com", 12),
    ("outlook.com", 9),
    ("hotmail.com", 8),
    ("icloud.com", 7),
    ("aol.com", 3),
    ("gmx.de", 3),
    ("orange.fr", 2),
    ("web.de", 2),
    ("protonmail.com", 2),
    ("example.com", 4),
    ("example.org", 3),
    ("acme-corp.example", 4),
    ("globex.example", 3),
)

DEVICES = (("desktop", 42), ("mobile", 48), ("tablet", 10))

LINKS = (
    "https://shop.example.com/",
    "https://shop.example.com/sale",
    "https://shop.example.com/new-arrivals",
    "https://shop.example.com/products/espresso-machine",
    "https://shop.example.com/products/running-shoes",
    "https://blog.example.com/weekly-roundup",
    "https://blog.example.com/how-to-choose-a-laptop",
    "https://example.com/webinar/register",
    "https://example.com/preferences",
    "https://example.com/app/download",
)

NEWSLETTER_TOPICS = (
    "Spring picks",
    "Top stories this week",
    "Our favourite gadgets",
    "Five tips for better sleep",
    "What's new in the shop",
    "Behind the scenes",
    "Reader questions answered",
    "The weekend edition",
)

PRODUCT_TOPICS = (
    "Release notes",
    "New feature: saved carts",
    "Faster checkout",
    "Mobile app update",
    "Price drop alert",
    "Back in stock",
)

OPT_OUT_REASONS = ("Too many emails", "Not interested any more", "Never signed up", "")

HARD_BOUNCES = (("B", "5.1.1"), ("D", "5.4.4"))
SOFT_BOUNCES = (("F", "4.2.2"), ("Z", "4.7.1"), ("X", "4.4.1"))

PRODUCT_IDS = tuple(100_000 + 37 * n for n in range(40))
