"""Controlled vocabularies: the words coders may use, with what each one means.

One place for them, so the schemas validate against them and the codebook prints them.
"""

from __future__ import annotations

VOCABULARIES: dict[str, dict[str, str]] = {
    "source_type": {
        "official_channel": "Telegram channel or website of an official body, quoted directly",
        "news_outlet": "a newspaper, broadcaster or online news site reporting on its own",
        "news_agency": "a wire or national news agency (Ukrinform, Interfax, Reuters, AP)",
        "aggregator": "republishes other outlets' copy (MENAFN, syndicated pages)",
        "think_tank": "a research institute's assessment (ISW)",
        "government_assessment": "a government's published assessment (UK Defence Intelligence)",
        "international_body": "UN, OSCE, IAEA or another international organisation",
    },
    "date_basis": {
        "page": "the page shows its publication date",
        "inferred": "the coder fixed the publication date from the text (said how in notes)",
    },
    "event_type": {
        "shelling": "artillery, tank, mortar, MLRS or unspecified shelling",
        "missile_strike": "cruise, ballistic or anti-aircraft missiles used against ground targets",
        "air_strike": "aircraft, guided or unguided aerial bombs",
        "drone_strike": "loitering munitions and drones",
        "remote_explosive": "mines, IEDs and explosive remnants",
        "other": "any other attack; the note says what",
    },
    "weapon": {
        "artillery": "tube artillery named as such (plain 'shelling' with no weapon named is unknown)",
        "mlrs": "multiple-launch rocket systems (Grad, Uragan, Smerch)",
        "tank": "tank fire",
        "mortar": "mortars",
        "missile": "missiles (the model goes in weapon_detail)",
        "guided_bomb": "guided aerial bombs (KAB, UMPK)",
        "aerial_bomb": "unguided aerial bombs",
        "drone": "drones and loitering munitions (Shahed, Lancet)",
        "landmine": "mines and tripwires",
        "small_arms": "small arms and grenades",
        "unknown": "the report names no weapon",
    },
    "target_type": {
        "residential": "homes, apartment blocks, private houses, outbuildings",
        "commercial": "shops, markets, offices, petrol stations",
        "industrial": "factories, warehouses, production facilities",
        "infrastructure": "roads, bridges, dams, water supply",
        "energy": "power plants, substations, gas and heating networks",
        "transport": "railway, stations, vehicles",
        "agricultural": "farms, grain stores, machinery",
        "educational": "schools, kindergartens, universities",
        "medical": "hospitals, clinics",
        "administrative": "government and municipal buildings",
        "religious": "churches and other places of worship",
        "cultural": "museums, monuments, culture centres",
        "military": "a military target named by the report",
        "open_area": "fields, forests, grass fires",
        "unknown": "the report names no target",
    },
    "claim_by": {
        "ua_official": "Ukraine's national government, armed forces or General Staff",
        "regional_admin": "an oblast, raion or city administration, governor or mayor",
        "ru_official": "Russia's government or Ministry of Defence",
        "ru_proxy_official": "officials installed by Russia in occupied territory",
        "media": "the outlet's own reporting",
        "international_body": "UN, OSCE, IAEA or another international organisation",
        "third_state": "the government of another state",
        "think_tank": "a research institute (ISW)",
    },
    "coverage_design": {
        "continuous_daily_summary": "every day's official daily summary coded (Kharkiv oblast, 15 Aug – 15 Nov 2022)",
        "chosen_strike_days": "strike days chosen for coding (infrastructure strikes outside Kharkiv oblast)",
        "single_reports": "reports found and coded one by one; a day without rows may be a day not searched",
    },
    "confirmed": {
        "yes": "the report says the claim was independently verified",
        "no": "the report says the claim could not be independently verified",
        "unknown": "the report does not say",
    },
    "victim_group": {
        "civilian": "civilians",
        "military": "combatants",
        "mixed": "both civilians and combatants",
        "unknown": "the report does not say",
    },
    "sex": {"male": "male", "female": "female", "mixed": "both sexes"},
    "cause": {
        "shelling": "artillery, tank, mortar or MLRS fire",
        "missile_strike": "missiles",
        "air_strike": "aircraft or aerial bombs",
        "drone_strike": "drones",
        "landmine": "mines, tripwires and explosive remnants",
        "mass_grave": "bodies recovered from mass burial sites",
        "execution": "killings of detained people",
        "other": "any other cause; the note says what",
        "unknown": "the report does not say",
    },
    "figure_type": {
        "new": "casualties of this incident or reporting period",
        "cumulative": "a running total ('so far', 'since the start of the invasion')",
    },
    "channel": {
        "telegram": "a Telegram post",
        "tv_interview": "a television interview",
        "print_interview": "a newspaper or online interview",
        "briefing": "a regular press briefing",
        "press_conference": "a press conference",
        "speech": "a speech",
        "video_address": "a recorded video address",
        "social_media": "another social network (X/Twitter, Facebook)",
        "official_statement": "a written statement, decree or communique",
        "phone_call": "a read-out of a phone call",
        "summit": "remarks at a summit or multilateral meeting",
        "unknown": "the report does not say",
    },
    "topic": {
        "negotiations": "talks between Ukraine and Russia",
        "peace_talks": "a peace process, peace plan or peace formula",
        "nato": "NATO membership or NATO's role",
        "war_end": "how or when the war ends",
        "ceasefire": "a ceasefire or truce",
        "sanctions": "sanctions",
        "annexation": "annexation or referendums in occupied territory",
        "mobilisation": "mobilisation",
        "nuclear": "nuclear weapons or nuclear plants",
        "security_guarantees": "security guarantees for Ukraine",
        "grain_deal": "the Black Sea grain initiative",
        "prisoner_exchange": "exchanges of prisoners or bodies",
        "other": "any other topic",
    },
    "stance": {
        "rejects": "rules out negotiations now",
        "conditional": "negotiations only if conditions are met",
        "open": "says it is open to negotiations",
        "proposes": "proposes talks, a plan or a meeting",
        "mediates": "offers or acts as a mediator",
        "not_applicable": "the statement takes no stance on negotiations",
    },
    "claim": {
        "took": "captured or liberated the place",
        "holds": "holds or controls the place",
        "lost": "withdrew from or lost the place (including 'regrouping')",
        "contested": "fighting in or for the place",
        "advanced_to": "reached the place or its outskirts",
        "crossed": "crossed a river line at or near the place",
    },
    "side": {"ua": "Ukrainian forces", "ru": "Russian forces"},
    "place_type": {
        "city": "city",
        "town": "town",
        "urban_settlement": "urban-type settlement (smt)",
        "village": "village or rural settlement",
        "raion": "a raion (district), placed at its administrative centre",
        "oblast": "an oblast (region), placed at its administrative centre",
        "river": "a river, placed at a point on it named in reports",
        "city_district": "a district of a city",
        "country": "the whole country (nationwide tallies), placed at the capital with geo_prec 6",
    },
    "yes_no": {"yes": "yes", "no": "no"},
    "link_action": {
        "merge": "the reports listed are one incident (or one utterance): their groups are joined",
        "split": "the reports listed are taken out of the group the rules put them in, into one of their own",
    },
}

#: Groups of a vocabulary's words, where analyses look at groups rather than words: {vocabulary: {group:
#: meaning}}; every word belongs to exactly one group (GROUP_OF), so a new word must be given one.
GROUPS: dict[str, dict[str, str]] = {
    "claim_by": {
        "ru": "Russian officials (Russia's government, or officials it installed in occupied territory)",
        "ua": "Ukrainian officials (national, regional or local)",
        "third_party": "media and third parties: outlets, international bodies, other states, research institutes",
    },
}
GROUP_OF: dict[str, dict[str, str]] = {
    "claim_by": {
        "ua_official": "ua",
        "regional_admin": "ua",
        "ru_official": "ru",
        "ru_proxy_official": "ru",
        "media": "third_party",
        "international_body": "third_party",
        "third_state": "third_party",
        "think_tank": "third_party",
    },
}


def grouped(name: str) -> list[str]:
    """A grouped vocabulary's words, group by group (in GROUPS order), in codebook order within a group."""
    order = list(GROUPS[name])
    return sorted(VOCABULARIES[name], key=lambda w: order.index(GROUP_OF[name][w]))


#: Columns whose cells may hold several vocabulary words separated by ";".
MULTI_VALUED: frozenset[str] = frozenset({"target_type", "topic"})


def words(name: str) -> list[str]:
    """Allowed words of one vocabulary, in codebook order."""
    return list(VOCABULARIES[name])
