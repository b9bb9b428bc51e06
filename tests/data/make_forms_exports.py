"""Write the Forms-style survey exports in this folder (run it to regenerate them).

``forms_export.csv`` is shaped like a Microsoft Forms export of a CLN launch survey:
Id, Start time, Completion time, Email, Name, then one column per question, with a
six-level interest scale, job titles as typed, a role choice, and the small mistakes
real answers have ("Glasgow" for "Glasgow City", "St. Mary's" for "St Mary's").
``forms_export_titled.xlsx`` holds the same answers under a title row, with the theme
questions under a merged group header (a two-row header). The people are made up.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
THEMES = (
    "Literacy",
    "Numeracy",
    "Health and wellbeing",
    "Parental engagement",
    "Transitions",
    "Learning through play",
    "Outdoor learning",
    "Racial equality",
    "Pupil voice",
    "Digital learning",
)
SCALE = (
    "Not at all interested",
    "Slightly interested",
    "Somewhat interested",
    "Moderately interested",
    "Very interested",
    "Extremely interested",
)
# (school as the first nominee types it, as the second does, authority, sector)
SCHOOLS = (
    ("Hillhead Primary School", "Hillhead Primary School", "Glasgow City", "Primary"),
    ("St Mary's Primary", "St. Mary's Primary", "Glasgow City", "Primary"),
    ("Cranhill Nursery", "Cranhill Nursery", "Glasgow", "Early Learning and Childcare (ELC)"),
    ("Springburn Academy", "Springburn Academy", "Glasgow City", "Secondary"),
    ("Kirkintilloch High School", None, "East Dunbartonshire", "Secondary"),
    ("Lenzie Primary", "Lenzie Primary", "East Dunbartonshire", "Primary"),
    (
        "Milngavie Early Years Centre",
        "Milngavie Early Years Centre",
        "East Dunbartonshire",
        "Early Learning and Childcare (ELC)",
    ),
    ("Busby Primary", "Busby Primary", "East Renfrewshire", "Primary"),
    ("Williamwood High School", "Williamwood High School", "East Renfrewshire", "Secondary"),
    ("Gourock Primary", "Gourock Primary", "Inverclyde", "Primary"),
    ("Lomond View Academy", None, "Inverclyde", "Additional Support Needs (ASN)"),
    ("Coatbridge High School", "Coatbridge High School", "North Lanarkshire", "Secondary"),
    ("Chryston Primary", "Chryston Primary", "north lanarkshire", "Primary"),
    (
        "Wishaw Family Learning Centre",
        "Wishaw Family Learning Centre",
        "North Lanarkshire",
        "Early Learning and Childcare (ELC)",
    ),
    ("Paisley Grammar School", "Paisley Grammar School", "Renfrewshire", "Secondary"),
    ("Mossvale Primary", "Mossvale Primary", "Renfrewshire", "Primary"),
    (
        "Kilbarchan Nursery",
        "Kilbarchan Nursery",
        "Renfrewshire",
        "Early Learning and Childcare (ELC)",
    ),
    ("Hamilton Grammar", "Hamilton Grammar", "South Lanarkshire", "Secondary"),
    ("Blantyre Primary", "Blantyre Primary", "South Lanarkshire", "Primary"),
    (
        "Sanderson High School",
        "Sanderson High School",
        "South Lanarkshire",
        "Additional Support Needs (ASN)",
    ),
    ("Clydebank High School", "Clydebank High School", "West Dunbartonshire", "Secondary"),
    ("Dalmuir Primary", "Dalmuir Primary", "West Dunbartonshire", "Primary"),
    (
        "Linnvale Early Years",
        "Linnvale Early Years",
        "West Dunbartonshire",
        "Early Learning and Childcare (ELC)",
    ),
)
PROMOTED_TITLES = {
    "Primary": ("Head Teacher", "Depute Head Teacher", "Principal Teacher", "Acting Depute"),
    "Secondary": ("Depute Head Teacher", "Principal Teacher", "Acting Head Teacher"),
    "Early Learning and Childcare (ELC)": (
        "Senior CDO",
        "Senior Child Development Officer",
        "Head of Centre",
        "Lead Practitioner",
    ),
    "Additional Support Needs (ASN)": ("Depute Head Teacher", "Principal Teacher"),
}
PRACTITIONER_TITLES = {
    "Primary": ("Class Teacher", "Teacher", "Probationer Teacher"),
    "Secondary": ("Teacher of English", "Class Teacher", "Teacher"),
    "Early Learning and Childcare (ELC)": (
        "Child Development Officer",
        "Nursery Practitioner",
        "Early Years Worker",
        "Family Learning Worker",
    ),
    "Additional Support Needs (ASN)": ("Class Teacher", "Pupil Support Assistant"),
}
GIVEN = (
    "Aileen",
    "Brian",
    "Catriona",
    "David",
    "Eilidh",
    "Fraser",
    "Gillian",
    "Hamish",
    "Isla",
    "Jamie",
    "Kirsty",
    "Lewis",
    "Morag",
    "Niall",
    "Orla",
    "Paul",
    "Rhona",
    "Stuart",
    "Tracey",
    "Euan",
    "Fiona",
    "Graeme",
    "Heather",
)
FAMILY = (
    "Anderson",
    "Boyle",
    "Campbell",
    "Docherty",
    "Fraser",
    "Gallacher",
    "Hughes",
    "Kerr",
    "MacDonald",
    "McLean",
    "Murray",
    "O'Neill",
    "Reid",
    "Stewart",
    "Wilson",
)
ROLE_CHOICES = ("Promoted (e.g. head teacher, depute, PT)", "Practitioner")
QUESTIONS = (
    "Name of your school or early learning centre",
    "Which local authority is it in?",
    "Sector",
    "Your role",
    "Job title",
)


def rows() -> tuple[list[str], list[list[str]]]:
    rng = random.Random(15)
    header = ["Id", "Start time", "Completion time", "Email", "Name", *QUESTIONS]
    header += [f"How interested are you in {theme}?" for theme in THEMES]
    header.append("Anything else you would like to tell us?")
    start = datetime(2024, 5, 2, 9, 0, 0)
    out = []
    number = 0
    for first, second, authority, sector in SCHOOLS:
        for k, school in enumerate((first, second)):
            if school is None:
                continue
            number += 1
            promoted = k == 0
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            title = rng.choice((PROMOTED_TITLES if promoted else PRACTITIONER_TITLES)[sector])
            began = start + timedelta(minutes=37 * number + rng.randint(0, 30))
            ratings = [rng.choice(SCALE) if rng.random() > 0.05 else "" for _ in THEMES]
            note = rng.choice(("", "", "", "Looking forward to it", "Can we meet online?"))
            email = f"{given}.{family}{number}@school.example.org".replace("'", "").lower()
            out.append(
                [
                    str(number),
                    began.strftime("%-m/%-d/%y %-H:%M:%S"),
                    (began + timedelta(minutes=rng.randint(4, 11))).strftime(
                        "%-m/%-d/%y %-H:%M:%S"
                    ),
                    email,
                    f"{given} {family}",
                    school,
                    authority,
                    sector,
                    ROLE_CHOICES[0 if promoted else 1],
                    title,
                    *ratings,
                    note,
                ]
            )
    return header, out


def main() -> None:
    header, data = rows()
    with (HERE / "forms_export.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *data])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Form1"
    first_theme = header.index(f"How interested are you in {THEMES[0]}?")
    sheet.append(["West Partnership CLN cohort 5: launch survey"])
    top = header[:first_theme] + ["How interested are you in these themes?"]
    top += [""] * (len(THEMES) - 1) + [header[-1]]
    below = [""] * first_theme + list(THEMES) + [""]
    sheet.append(top)
    sheet.append(below)
    for row in data:
        sheet.append(row)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.merge_cells(
        start_row=2, start_column=first_theme + 1, end_row=2, end_column=first_theme + len(THEMES)
    )
    for column in [*range(1, first_theme + 1), len(header)]:
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    book.save(HERE / "forms_export_titled.xlsx")


if __name__ == "__main__":
    main()
