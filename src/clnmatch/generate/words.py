"""Word lists for made-up names: establishments, saints' names, people.

Written as one string per list (split on spaces) so that a list of 80 surnames is five
lines, not eighty. All names are common Scottish first names, surnames and place-name
parts; the combinations are fictional.
"""

from __future__ import annotations

from clnmatch.models import Sector


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# first and second halves of composed place names ("Birch" + "brae")
STEM_HEADS: tuple[str, ...] = _words(
    "Hill River Oak Birch Glen Brae Burn Thorn Wood Ash Elm Kirk Craig Bank Loch Muir Rowan "
    "Heather Holly Broom Castle Cross Green Lang Bell Black Blair Carn Dal Moss Pine Rose "
    "Sand Spring Stone Sun West East North Fair Bal Auchen Kil Drum Gart Bar Lin Mill Park "
    "Maple"
)


STEM_TAILS: tuple[str, ...] = _words(
    "view side wood field hill bank brae park lea mount burn haugh mill vale croft ton dale "
    "gate muir glen knowe law head ford holm lands brook grove shaw crest"
)


# Roman Catholic schools are named after saints ("St Mungo's")
SAINTS: tuple[str, ...] = _words(
    "Mungo Mary Andrew Margaret Bride Columba Patrick Joseph Ninian Thomas Paul Peter "
    "Aloysius Bernadette Brendan Charles Francis Kentigern Mirin Fillan Monica Teresa Anne "
    "Michael Stephen Cadoc Ambrose Maurice Roch Blane Kevin Benedict Catherine Clare Dominic "
    "Edward Gerard Helen Hilary Ignatius John Jude Lucy Mark Matthew Martha Oswald Rose "
    "Vincent Timothy Albert Agnes Augustine James"
)


FIRST_NAMES: tuple[str, ...] = _words(
    "Aileen Alan Alison Andrew Angela Callum Catriona Claire Craig David Donna Elaine Eilidh "
    "Emma Euan Fiona Fraser Gillian Graham Hamish Heather Iain Isla Jacqueline Jamie Jennifer "
    "Karen Kirsty Laura Lesley Lorna Lorraine Mairi Margaret Mark Martin Morag Neil Nicola "
    "Paul Rachel Rhona Ross Ruth Sandra Scott Shona Stephen Stuart Susan Tracey Yvonne Ailsa "
    "Kenneth Moira Sinead Gary Lynsey Ewan Siobhan"
)


SURNAMES: tuple[str, ...] = _words(
    "Smith Brown Wilson Campbell Stewart Thomson Robertson Anderson MacDonald Scott Reid "
    "Murray Taylor Clark Ross Watson Morrison Paterson Young Mitchell Walker Fraser Miller "
    "McDonald Gray Henderson Hamilton Johnston Duncan Graham Ferguson Kerr Davidson Bell "
    "Cameron Kelly Martin Hunter Allan Mackenzie Grant Simpson MacLeod Black Russell Wallace "
    "Gibson Marshall McLean Kennedy Gordon Burns Sutherland Craig Wright McKenzie Muir Murphy "
    "Crawford Docherty McGregor O'Neill Boyle McLaughlin Quinn Gallacher Donnelly McMillan "
    "Sinclair Ritchie Wood Hughes McIntyre Lindsay Munro Dickson Shaw Brady Hay Lynch"
)

# (pattern, weight) of establishment names by sector: "{stem}" a place name, "{saint}" a
# saint's possessive ("St Mungo's")
NAME_PATTERNS: dict[Sector, tuple[tuple[str, float], ...]] = {
    Sector.ELC: (
        ("{stem} Early Learning Centre", 0.40),
        ("{stem} Nursery School", 0.20),
        ("{stem} Family Learning Centre", 0.15),
        ("{stem} Early Years Centre", 0.15),
        ("{stem} Nursery Class", 0.10),
    ),
    Sector.PRIMARY: (("{stem} Primary School", 0.70), ("St {saint} Primary School", 0.30)),
    Sector.SECONDARY: (
        ("{stem} High School", 0.32),
        ("{stem} Academy", 0.30),
        ("{stem} Secondary School", 0.08),
        ("St {saint} High School", 0.18),
        ("St {saint} Academy", 0.12),
    ),
    Sector.SPECIAL: (
        ("{stem} School", 0.65),
        ("{stem} Academy", 0.20),
        ("{stem} Additional Support Needs School", 0.15),
    ),
}


def possessive(saint: str) -> str:
    """ "Mungo" -> "Mungo's", "James" -> "James'"."""
    return f"{saint}'" if saint.endswith("s") else f"{saint}'s"
