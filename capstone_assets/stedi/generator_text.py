"""Invented name lists for the synthetic STEDI generator (customer names -> First.Last@test.com)."""

FIRST_NAMES = (
    "Aiden", "Beatrice", "Carlos", "Dalia", "Emeka", "Fiona", "Gustavo", "Hana", "Ivan", "Jasmine",
    "Kenji", "Lucia", "Marcus", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Uma",
    "Victor", "Wanda", "Yara", "Zane", "Anika", "Boris", "Camille", "Dmitri", "Elif", "Farid",
    "Gloria", "Hector", "Ingrid", "Jamal", "Kateryna", "Leon", "Marisol", "Nikhil", "Olga", "Pedro",
    "Rhea", "Samir", "Talia", "Umar", "Vivian", "Wesley", "Ximena", "Yosef", "Zainab", "Arjun",
)
LAST_NAMES = (
    "Abernathy", "Bautista", "Castellano", "Delacroix", "Eriksen", "Fontaine", "Gallardo", "Halvorsen",
    "Iwasaki", "Jovanovic", "Kowalczyk", "Lindgren", "Mbeki", "Nakamura", "Okafor", "Petrovic",
    "Quintero", "Rasmussen", "Sandoval", "Takahashi", "Umarov", "Valdivia", "Wojcik", "Yilmaz",
    "Zamora", "Achebe", "Bergstrom", "Chaudhry", "Dominguez", "Esposito", "Ferreira", "Gunawardena",
    "Hakimi", "Ibrahim", "Jaramillo", "Kuznetsov", "Lombardi", "Moreau", "Nwosu", "Oyelaran",
    "Pacheco", "Rautio", "Salvatore", "Tremblay", "Uchenna", "Vasquez", "Whitfield", "Xiong", "Yamada", "Zielinski",
)
