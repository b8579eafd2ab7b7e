"""Invented word lists for the synthetic Sparkify generator (no rows from the real sample)."""

FIRST_NAMES = (
    "Ada", "Bram", "Celia", "Dario", "Edith", "Felix", "Greta", "Hugo", "Ines", "Jonah",
    "Kira", "Lorenzo", "Mabel", "Nico", "Opal", "Pavel", "Quinn", "Rosa", "Silas", "Tamsin",
    "Ulric", "Vera", "Wendell", "Xenia", "Yusuf", "Zora", "Arlo", "Bettina", "Cyrus", "Delphine",
)
LAST_NAMES = (
    "Ashdown", "Brightwater", "Calloway", "Dunmore", "Everly", "Fairbanks", "Galloway", "Holloway",
    "Ingram", "Jessop", "Kettering", "Lockhart", "Merriweather", "Northcott", "Oakes", "Pemberton",
    "Quarles", "Redfern", "Stanhope", "Thornbury", "Underhill", "Vance", "Whitlock", "Yardley",
)
BAND_ADJECTIVES = (
    "Velvet", "Electric", "Silent", "Crimson", "Hollow", "Golden", "Paper", "Neon", "Wandering",
    "Midnight", "Rusty", "Lunar", "Copper", "Wild", "Frozen", "Broken", "Secret", "Atomic",
)
BAND_NOUNS = (
    "Foxes", "Lanterns", "Engines", "Owls", "Sparrows", "Harbors", "Satellites", "Mirrors",
    "Rivers", "Tigers", "Ghosts", "Pilots", "Orchards", "Comets", "Wolves", "Tides",
)
# Names with non-ASCII letters (written correctly in song_data, double-encoded in log_data).
NON_ASCII_ARTISTS = (
    "Sjöström Kvartett", "Los Niños del Mañana", "Café Électrique", "Åsa Lindqvist", "Zoë Brandão",
    "Jürgen & die Fähre", "Mötley Brüder", "Dónal Ó Briain", "Orquesta São Tomé", "Björn Væring",
)
TITLE_WORDS = (
    "Love", "Night", "River", "Fire", "Dream", "Summer", "Heart", "Road", "Rain", "Light", "Home",
    "Gold", "Shadow", "Morning", "Song", "Ocean", "Train", "City", "Stars", "Window", "Garden",
    "Thunder", "Honey", "Midnight", "Letter", "Mountain", "Echo", "Stranger", "Radio", "Sugar",
)
TITLE_LEADS = ("The", "My", "Your", "Another", "One More", "Little", "Sweet", "Lonely", "Last")
TITLE_SUFFIXES = (
    " (LP Version)", " (Live)", " (Album Version)", " (Remastered)", ", Part 2", " (Radio Edit)",
    ' (Parody of "Old Habits")', " [Demo]", "/Reprise",
)
NON_ASCII_TITLES = (
    "¿Dónde Estás?", "Café au Lait", "Señorita Luna", "Über den Wolken", "Tráfico de Amor",
    "Für Immer", "Niño Perdido", "Corazón Roto", "Déjà Vu Blues", "Sommarnätter",
)
ARTIST_LOCATIONS = (
    ("Nashville, TN", 36.16778, -86.77836), ("Austin, TX", 30.26759, -97.74299),
    ("Seattle, WA", 47.60356, -122.32944), ("Chicago, IL", 41.88415, -87.63241),
    ("Brooklyn, NY", 40.65507, -73.94888), ("Los Angeles, CA", 34.05349, -118.24532),
    ("London, England", 51.50632, -0.12714), ("Toronto, Ontario, Canada", 43.64856, -79.38533),
    ("Kingston, Jamaica", 17.99702, -76.79358), ("Stockholm, Sweden", 59.33217, 18.06243),
    ("Detroit, MI", 42.33168, -83.04792), ("Atlanta, GA", 33.74831, -84.39111),
    ("Paris, France", 48.85693, 2.34121), ("Havana, Cuba", 23.13302, -82.38304),
    ("Memphis, TN", 35.14968, -90.04892), ("Dublin, Ireland", 53.34376, -6.24953),
    ("New Orleans, LA", 29.95369, -90.07771), ("Melbourne, Australia", -37.81753, 144.96715),
)
FREE_FORM_LOCATIONS = (
    "Bay Area, CA.", "Somewhere in Ohio", "New York, NY [Harlem]", "Pacific Northwest",
    "Gulf Coast", "UK", "Berlin / Hamburg", "Southern California",
)

USER_FIRST_F = (
    "Amelia", "Brooke", "Chloe", "Daisy", "Elena", "Faith", "Gemma", "Hazel", "Iris", "Julia",
    "Kayla", "Lena", "Mia", "Nora", "Olive", "Piper", "Ruby", "Sadie", "Tessa", "Violet",
)
USER_FIRST_M = (
    "Aaron", "Blake", "Caleb", "Devin", "Elliot", "Finn", "Gavin", "Henry", "Isaac", "Jared",
    "Kevin", "Logan", "Mason", "Nolan", "Owen", "Peter", "Reid", "Simon", "Tyler", "Wyatt",
)
USER_LAST = (
    "Adams", "Barker", "Collins", "Dalton", "Ellis", "Foster", "Grant", "Hayes", "Irwin", "Jordan",
    "Keller", "Lambert", "Monroe", "Nash", "Ortiz", "Parker", "Ramsey", "Sutton", "Tucker", "Walsh",
)
USER_LOCATIONS = (
    "Portland-Vancouver-Hillsboro, OR-WA", "Denver-Aurora-Lakewood, CO", "Tampa-St. Petersburg-Clearwater, FL",
    "Boise City, ID", "Omaha-Council Bluffs, NE-IA", "Salt Lake City, UT", "Richmond, VA",
    "Kansas City, MO-KS", "Albany-Schenectady-Troy, NY", "Tucson, AZ", "Madison, WI", "Fresno, CA",
    "Charlotte-Concord-Gastonia, NC-SC", "Burlington, VT", "Anchorage, AK", "Lansing-East Lansing, MI",
    "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD", "Spokane-Spokane Valley, WA", "Reno, NV", "Eugene, OR",
)
# Browser strings; the generator wraps each in literal double quotes, as the simulator did.
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.103 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.94 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.3; WOW64; rv:32.0) Gecko/20100101 Firefox/32.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.120 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10) AppleWebKit/600.1.25 (KHTML, like Gecko) Version/8.0 Safari/600.1.25",
    "Mozilla/5.0 (Windows NT 6.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; WOW64; Trident/6.0)",
)
