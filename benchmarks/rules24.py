"""The 24-route benchmark rule set, its hand-written Python twin, and a lead generator.

Territory lists, company size, industry, product interest, score-like thresholds, e-mail
domain tests and missing fields; first match wins. Leads are clean (exact types) so that
hand-written Python that ignores case is still a fair, identical twin.
"""

from __future__ import annotations

import random
from typing import Any, Dict, List, Optional

WEST = ["AK", "AZ", "CA", "HI", "NV", "OR", "WA"]
NORTHEAST = ["NY", "NJ", "CT", "MA", "PA", "RI", "VT", "NH", "ME"]
SOUTH = ["TX", "FL", "GA", "NC", "SC", "AL", "TN", "LA"]
EMEA = ["GB", "DE", "FR", "NL", "SE", "ES", "IT"]
APAC = ["JP", "AU", "SG", "IN", "KR"]

RULES = """
team sdr { members alex, blake, casey }
team ent { members taylor weight 2, jordan, sam
  strategy weighted }

route "spam" when lead.email ends with "@mailinator.com" { reject "no" }
route "students" when lead.title == "Student" { reject "no" }
route "tiny" when lead.employees < 5 { reject "no" }
route "partners" when lead.source == "partner" and lead.country == "US" { assign team ent }
route "west-ent" when lead.country == "US" and lead.state in ["AK", "AZ", "CA", "HI", "NV", "OR", "WA"] and lead.employees >= 1000 { assign team ent }
route "ne-ent" when lead.country == "US" and lead.state in ["NY", "NJ", "CT", "MA", "PA", "RI", "VT", "NH", "ME"] and lead.employees >= 1000 { assign team ent }
route "south-ent" when lead.country == "US" and lead.state in ["TX", "FL", "GA", "NC", "SC", "AL", "TN", "LA"] and lead.employees >= 1000 { assign team ent }
route "emea-ent" when lead.country in ["GB", "DE", "FR", "NL", "SE", "ES", "IT"] and lead.employees >= 1000 { assign team ent }
route "apac-ent" when lead.country in ["JP", "AU", "SG", "IN", "KR"] and lead.employees >= 1000 { assign team ent }
route "health" when lead.industry == "Healthcare" and lead.employees >= 200 { assign team ent }
route "finance" when lead.industry == "Finance" and lead.employees >= 200 { assign team ent }
route "gov" when lead.industry == "Government" { assign team ent }
route "edu" when lead.industry == "Education" and lead.employees < 100 { assign team sdr }
route "crm-mid" when lead.product == "CRM" and lead.employees between 200 and 999 { assign team sdr }
route "erp-mid" when lead.product == "ERP" and lead.employees between 200 and 999 { assign team sdr }
route "analytics" when lead.product == "Analytics" and lead.rating >= 80 { assign team sdr }
route "hot" when lead.rating >= 90 { assign team ent }
route "warm" when lead.rating between 60 and 89 and lead.employees >= 50 { assign team sdr }
route "no-phone" when lead.phone is missing and lead.employees < 50 { reject "call us" }
route "west-smb" when lead.country == "US" and lead.state in ["AK", "AZ", "CA", "HI", "NV", "OR", "WA"] { assign team sdr }
route "ne-smb" when lead.country == "US" and lead.state in ["NY", "NJ", "CT", "MA", "PA", "RI", "VT", "NH", "ME"] { assign team sdr }
route "emea-smb" when lead.country in ["GB", "DE", "FR", "NL", "SE", "ES", "IT"] { assign team sdr }
route "referral" when lead.source == "referral" { assign team sdr }
route "webinar" when lead.source == "webinar" and lead.employees < 200 { redirect "https://example.com/webinar" }
fallback { assign team sdr }
"""

_WEST, _NE, _SOUTH, _EMEA, _APAC = map(frozenset, (WEST, NORTHEAST, SOUTH, EMEA, APAC))


def hand_written(lead: Dict[str, Any]) -> Optional[str]:
    """The same rules as plain if/elif, for clean leads (first match wins)."""
    get = lead.get
    email = get("email")
    employees = get("employees")
    country = get("country")
    state = get("state")
    industry = get("industry")
    product = get("product")
    rating = get("rating")
    source = get("source")
    if email is not None and email.endswith("@mailinator.com"):
        return "spam"
    if get("title") == "Student":
        return "students"
    if employees is not None and employees < 5:
        return "tiny"
    if source == "partner" and country == "US":
        return "partners"
    big = employees is not None and employees >= 1000
    if country == "US" and state in _WEST and big:
        return "west-ent"
    if country == "US" and state in _NE and big:
        return "ne-ent"
    if country == "US" and state in _SOUTH and big:
        return "south-ent"
    if country in _EMEA and big:
        return "emea-ent"
    if country in _APAC and big:
        return "apac-ent"
    mid = employees is not None and employees >= 200
    if industry == "Healthcare" and mid:
        return "health"
    if industry == "Finance" and mid:
        return "finance"
    if industry == "Government":
        return "gov"
    if industry == "Education" and employees is not None and employees < 100:
        return "edu"
    between = employees is not None and 200 <= employees <= 999
    if product == "CRM" and between:
        return "crm-mid"
    if product == "ERP" and between:
        return "erp-mid"
    if product == "Analytics" and rating is not None and rating >= 80:
        return "analytics"
    if rating is not None and rating >= 90:
        return "hot"
    if rating is not None and 60 <= rating <= 89 and employees is not None and employees >= 50:
        return "warm"
    if get("phone") is None and employees is not None and employees < 50:
        return "no-phone"
    if country == "US" and state in _WEST:
        return "west-smb"
    if country == "US" and state in _NE:
        return "ne-smb"
    if country in _EMEA:
        return "emea-smb"
    if source == "referral":
        return "referral"
    if source == "webinar" and employees is not None and employees < 200:
        return "webinar"
    return "fallback"


def generate_leads(count: int, seed: int = 7) -> List[Dict[str, Any]]:
    """Clean, varied leads; some fields left out to exercise missing values."""
    rng = random.Random(seed)
    states = WEST + NORTHEAST + SOUTH + ["OH", "IL", "MI", "CO", "MN"]
    countries = ["US"] * 6 + EMEA + APAC + ["BR", "MX", "CA"]
    industries = ["Healthcare", "Finance", "Government", "Education", "Retail", "Tech", "Media"]
    products = ["CRM", "ERP", "Analytics", "Support"]
    sources = ["website", "partner", "referral", "webinar", "ads"]
    titles = ["VP of IT", "CTO", "Student", "Office manager", "Director", "Engineer"]
    leads = []
    for i in range(count):
        lead: Dict[str, Any] = {
            "email": f"user{i}@" + rng.choice(["acme.example", "mailinator.com", "globex.example"]),
            "employees": rng.choice([1, 3, 8, 20, 60, 150, 250, 600, 1200, 5000]),
            "country": rng.choice(countries),
            "industry": rng.choice(industries),
            "product": rng.choice(products),
            "source": rng.choice(sources),
            "title": rng.choice(titles),
        }
        if lead["country"] == "US":
            lead["state"] = rng.choice(states)
        if rng.random() < 0.8:
            lead["rating"] = rng.randint(0, 100)
        if rng.random() < 0.5:
            lead["phone"] = "+1 555 0100"
        for key in ("industry", "product", "employees"):
            if rng.random() < 0.05:
                del lead[key]
        leads.append(lead)
    return leads
