"""Seed the country aliases the gazetteer adds to the ISO names.

Only words that name one country in this corpus's prose are listed. Left out on
purpose: "Persian" (language, Gulf, heritage shared with Tajikistan), "Turkic" (a
language family), "Soviet", "Vienna"/"Geneva" (venues of international talks),
"Brussels" (the EU), "Santiago", "Sofia", "Wellington" (also personal names),
"Congolese" and "Dominican" (two countries each), "Poles" (also a plain noun).
Forms that must keep their capitalisation are in CASE_SENSITIVE.
"""

from __future__ import annotations

from django.db import migrations

ALIASES: dict[str, tuple[str, ...]] = {
    # Central Asia and its neighbours
    "AF": ("Afghan", "Afghani", "Kabul"),
    "AM": ("Armenian", "Yerevan"),
    "AZ": ("Azerbaijani", "Azeri", "Baku"),
    "BY": ("Belarusian", "Belarussian", "Byelorussia", "Byelorussian", "Minsk"),
    "CN": ("Chinese", "Sino-", "Beijing", "Zhongnanhai"),
    "GE": ("Georgian", "Tbilisi"),
    "IR": ("Iranian", "Tehran", "Teheran"),
    "KG": (
        "Kyrgyz",
        "Kyrgyzstani",
        "Kyrgyz Republic",
        "Kirghiz",
        "Kirghizia",
        "Kirgizia",
        "Bishkek",
    ),
    "KZ": ("Kazakh", "Kazakhstani", "Astana", "Nur-Sultan", "Almaty", "Akorda"),
    "MN": ("Mongolian", "Ulaanbaatar", "Ulan Bator"),
    "PK": ("Pakistani", "Islamabad"),
    "RU": ("Russian", "Moscow", "Kremlin"),
    "TJ": ("Tajik", "Tajikistani", "Dushanbe"),
    "TM": ("Turkmen", "Turkmenistani", "Türkmenistan", "Turkmenia", "Ashgabat"),
    "TR": ("Turkey", "Turkish", "Turks", "Ankara"),
    "UA": ("Ukrainian", "Kyiv", "Kiev"),
    "UZ": ("Uzbek", "Uzbekistani", "Tashkent"),
    "IN": ("Indian", "New Delhi"),
    # Middle East and North Africa
    "AE": ("Emirati", "Abu Dhabi"),
    "BH": ("Bahraini", "Manama"),
    "EG": ("Egyptian", "Cairo"),
    "IL": ("Israeli",),
    "IQ": ("Iraqi", "Baghdad"),
    "JO": ("Jordanian",),
    "KW": ("Kuwaiti",),
    "LB": ("Lebanese", "Beirut"),
    "LY": ("Libyan",),
    "MA": ("Moroccan", "Rabat"),
    "OM": ("Omani", "Muscat"),
    "PS": ("Palestinian",),
    "QA": ("Qatari", "Doha"),
    "SA": ("Saudi", "Riyadh"),
    "SY": ("Syrian", "Damascus"),
    "TN": ("Tunisian", "Tunis"),
    "DZ": ("Algerian", "Algiers"),
    "YE": ("Yemeni", "Sanaa", "Sana'a"),
    # Europe
    "AT": ("Austrian",),
    "BE": ("Belgian",),
    "BG": ("Bulgarian",),
    "CH": ("Swiss",),
    "CY": ("Cypriot", "Nicosia"),
    "CZ": ("Czech", "Prague"),
    "DE": ("German", "Berlin"),
    "DK": ("Danish", "Copenhagen"),
    "EE": ("Estonian", "Tallinn"),
    "ES": ("Spanish", "Madrid"),
    "FI": ("Finnish", "Helsinki"),
    "FR": ("French", "Paris", "Élysée"),
    "GB": (
        "British",
        "Britain",
        "Great Britain",
        "U.K.",
        "London",
        "Downing Street",
        "England",
    ),
    "GR": ("Greek", "Athens"),
    "HR": ("Croatian", "Zagreb"),
    "HU": ("Hungarian", "Budapest"),
    "IE": ("Irish", "Dublin"),
    "IT": ("Italian", "Rome"),
    "LT": ("Lithuanian", "Vilnius"),
    "LV": ("Latvian", "Riga"),
    "MD": ("Moldovan", "Chisinau", "Chișinău"),
    "NL": ("Dutch", "Holland", "The Hague", "Amsterdam"),
    "NO": ("Norwegian", "Oslo"),
    "PL": ("Polish", "Warsaw"),
    "PT": ("Portuguese", "Lisbon"),
    "RO": ("Romanian", "Bucharest"),
    "RS": ("Serbian", "Belgrade"),
    "SE": ("Swedish", "Stockholm"),
    "SK": ("Slovak", "Bratislava"),
    "VA": ("Vatican",),
    # Asia and the Pacific
    "AU": ("Australian", "Canberra"),
    "BD": ("Bangladeshi", "Dhaka"),
    "ID": ("Indonesian", "Jakarta"),
    "JP": ("Japanese", "Tokyo"),
    "KP": ("North Korean", "Pyongyang"),
    "KR": ("Korea", "Korean", "South Korean", "Seoul"),
    "LK": ("Sri Lankan", "Colombo"),
    "MM": ("Burma", "Burmese", "Naypyidaw"),
    "MO": ("Macau",),
    "MY": ("Malaysian", "Kuala Lumpur"),
    "NP": ("Nepalese", "Nepali", "Kathmandu"),
    "NZ": ("New Zealander",),
    "PH": ("Philippine", "Filipino", "Manila"),
    "SG": ("Singaporean",),
    "TH": ("Thai", "Bangkok"),
    "TL": ("East Timor",),
    "TW": ("Taiwanese", "Taipei"),
    "VN": ("Vietnamese", "Hanoi"),
    # Africa
    "CD": ("Democratic Republic of the Congo", "Congo-Kinshasa", "Kinshasa"),
    "CG": ("Congo-Brazzaville", "Brazzaville"),
    "CI": ("Ivory Coast", "Cote d'Ivoire"),
    "CV": ("Cape Verde",),
    "ET": ("Ethiopian", "Addis Ababa"),
    "GH": ("Ghanaian", "Accra"),
    "KE": ("Kenyan", "Nairobi"),
    "NE": ("Nigerien", "Niamey"),
    "NG": ("Nigerian", "Abuja"),
    "SD": ("Sudanese", "Khartoum"),
    "SO": ("Somali", "Mogadishu"),
    "SZ": ("Swaziland",),
    "ZA": ("South African", "Pretoria"),
    # The Americas
    "AR": ("Argentine", "Argentinian", "Buenos Aires"),
    "BR": ("Brazilian", "Brasília", "Brasilia"),
    "CA": ("Canadian", "Ottawa"),
    "CL": ("Chilean",),
    "CO": ("Colombian", "Bogotá", "Bogota"),
    "CU": ("Cuban", "Havana"),
    "MX": ("Mexican",),
    "PE": ("Peruvian",),
    "US": (
        "U.S.",
        "U.S.A.",
        "United States",
        "America",
        "American",
        "Washington",
        "White House",
        "Pentagon",
    ),
    "VE": ("Venezuelan", "Caracas"),
}

# Abbreviations that are ordinary words in lower case ("us") or other things in
# mixed case.
CASE_SENSITIVE: dict[str, tuple[str, ...]] = {
    "AE": ("UAE",),
    "CN": ("PRC",),
    "GB": ("UK",),
    "IR": ("IRGC",),
    "KP": ("DPRK",),
    "KR": ("ROK",),
    "SA": ("KSA",),
    "US": ("US", "USA"),
}


def seed_aliases(apps, schema_editor):
    Country = apps.get_model("corpus", "Country")
    CountryAlias = apps.get_model("corpus", "CountryAlias")
    countries = {country.code: country for country in Country.objects.all()}
    for table, case_sensitive in ((ALIASES, False), (CASE_SENSITIVE, True)):
        for code, aliases in table.items():
            country = countries.get(code)
            if country is None:
                continue
            for alias in aliases:
                CountryAlias.objects.get_or_create(
                    alias=alias,
                    defaults={"country": country, "case_sensitive": case_sensitive},
                )


def remove_aliases(apps, schema_editor):
    CountryAlias = apps.get_model("corpus", "CountryAlias")
    names = [
        alias
        for table in (ALIASES, CASE_SENSITIVE)
        for aliases in table.values()
        for alias in aliases
    ]
    CountryAlias.objects.filter(alias__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("corpus", "0002_load_countries")]

    operations = [migrations.RunPython(seed_aliases, remove_aliases)]
