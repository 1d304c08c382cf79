"""City names: a portable seeded generator (re-implemented bit for bit by the runtime test) and a
short list of real cities.

Training draws single and paired cities from `name_pool(TRAIN_NAME_SEED, TRAIN_POOL_SIZE)` plus
`REAL_CITIES`; held-out evaluation names come from the same generator with another seed and are
checked to be outside that set. The generator is mulberry32 (a 32-bit PRNG that is a few lines in
any language) so test/gpu/tiny-tool-model.test.ts can regenerate the training pool instead of the
repository shipping it.
"""

TRAIN_NAME_SEED = 20240611
TRAIN_POOL_SIZE = 20000
HELDOUT_NAME_SEED = 777  # Python verification; the runtime test uses its own seed

M32 = 0xFFFFFFFF

ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
          "br", "dr", "gr", "kr", "pl", "st", "tr", "sh", "ch", "th", "j", "y", "qu", "x", ""]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou", "ea", "y"]
CODAS = ["", "", "", "", "n", "r", "l", "s", "m", "k", "th", "nd", "x"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Real cities (one to three words, some with accents): the demo's users type these, and a name
# that is one familiar token ("Paris") must be copied as surely as an invented one. Training
# draws REAL_CITY_SHARE of its names from this list; HELDOUT_REAL_CITIES are never trained on.
REAL_CITIES = [
    "Paris", "London", "Tokyo", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Oslo",
    "Stockholm", "Helsinki", "Dublin", "Lisbon", "Athens", "Cairo", "Lagos", "Nairobi",
    "Mumbai", "Delhi", "Beijing", "Shanghai", "Seoul", "Sydney", "Toronto", "Chicago",
    "Boston", "Seattle", "Denver", "Miami", "Dallas", "Lima", "Bogota", "Santiago", "Quito",
    "Moscow", "Warsaw", "Zurich", "Geneva", "Amsterdam", "Brussels", "Munich", "Hamburg",
    "Milan", "Naples", "Venice", "Florence", "Barcelona", "Seville", "Istanbul", "Dubai",
    "Bangkok", "Singapore", "Jakarta", "Manila", "Hanoi", "Osaka", "Kyoto", "Auckland",
    "Vancouver", "Montreal", "New York", "Los Angeles", "San Francisco", "Hong Kong",
    "Mexico City", "Buenos Aires", "Rio de Janeiro", "Cape Town", "Tel Aviv", "Kuala Lumpur",
    "New Delhi", "Las Vegas", "San Diego", "Abu Dhabi", "Sao Paulo", "St Louis",
    "São Paulo", "Zürich", "Montréal", "Bogotá", "Kraków", "Reykjavík", "Malmö", "Düsseldorf",
    "Köln", "Málaga", "Medellín", "Brasília", "Québec City", "Córdoba", "Göteborg", "Tromsø",
    "Aarhus", "Łódź", "Besançon", "Nîmes", "Cádiz", "Genève", "San José", "Mérida", "Orléans",
    "Curaçao", "Asunción", "Belém", "Gdańsk", "Poznań", "Wrocław", "Třebíč", "Plzeň", "Brno",
    "Bratislava", "Budapest", "Pécs", "Bucharest", "Sofia", "Belgrade", "Zagreb", "Ljubljana",
    "Tallinn", "Riga", "Vilnius", "Kyiv", "Minsk", "Tbilisi", "Yerevan", "Baku", "Tehran",
    "Baghdad", "Riyadh", "Doha", "Muscat", "Karachi", "Lahore", "Dhaka", "Kathmandu", "Colombo",
    "Chennai", "Kolkata", "Bangalore", "Hyderabad", "Yangon", "Phnom Penh", "Ho Chi Minh City",
    "Taipei", "Guangzhou", "Shenzhen", "Chengdu", "Wuhan", "Busan", "Sapporo", "Nagoya",
    "Fukuoka", "Perth", "Melbourne", "Brisbane", "Adelaide", "Wellington", "Christchurch",
    "Honolulu", "Anchorage", "Phoenix", "Houston", "Austin", "Atlanta", "Detroit", "Portland",
    "Philadelphia", "Washington", "Nashville", "New Orleans", "Salt Lake City", "Kansas City",
    "Ottawa", "Calgary", "Edmonton", "Winnipeg", "Halifax", "Havana", "Kingston", "Panama City",
    "Guatemala City", "San Juan", "Caracas", "Montevideo", "La Paz", "Recife", "Salvador",
    "Porto Alegre", "Valparaíso", "Accra", "Dakar", "Casablanca", "Marrakesh", "Tunis", "Algiers",
    "Addis Ababa", "Kampala", "Kigali", "Lusaka", "Harare", "Johannesburg", "Durban", "Luanda",
    "Kinshasa", "Antananarivo", "Edinburgh", "Glasgow", "Manchester", "Liverpool", "Bristol",
    "Cardiff", "Belfast", "Cork", "Lyon", "Marseille", "Nice", "Toulouse", "Bordeaux", "Nantes",
    "Strasbourg", "Lille", "Porto", "Valencia", "Bilbao", "Granada", "Palma", "Turin", "Bologna",
    "Genoa", "Palermo", "Frankfurt", "Stuttgart", "Leipzig", "Dresden", "Hanover", "Nuremberg",
    "Bremen", "Salzburg", "Innsbruck", "Graz", "Basel", "Bern", "Lausanne", "Rotterdam",
    "The Hague", "Utrecht", "Antwerp", "Ghent", "Bruges", "Luxembourg", "Copenhagen", "Bergen",
    "Trondheim", "Uppsala", "Tampere", "Turku", "Gothenburg", "Thessaloniki", "Izmir", "Ankara",
    "Nicosia", "Valletta", "Monaco", "Andorra la Vella", "San Marino", "Vaduz", "Le Mans",
    "Saint-Étienne", "Aix-en-Provence", "Frankfurt am Main", "Santa Cruz de Tenerife",
]

# Real cities the model never sees in training: the evaluation's check that copying real names
# (accents, spaces, hyphens) generalises.
HELDOUT_REAL_CITIES = [
    "Grenoble", "Clermont-Ferrand", "Saint-Malo", "Alicante", "Zaragoza", "Vigo", "Coimbra",
    "Braga", "Faro", "Verona", "Padua", "Trieste", "Bari", "Catania", "Mannheim", "Karlsruhe",
    "Münster", "Würzburg", "Lübeck", "Linz", "Klagenfurt", "Lucerne", "Lugano", "Eindhoven",
    "Groningen", "Maastricht", "Liège", "Namur", "Odense", "Aalborg", "Stavanger", "Örebro",
    "Linköping", "Västerås", "Jyväskylä", "Oulu", "Tartu", "Kaunas", "Daugavpils", "Lviv",
    "Odesa", "Kharkiv", "Cluj-Napoca", "Timișoara", "Iași", "Plovdiv", "Niš", "Split",
    "Rijeka", "Maribor", "Szeged", "Debrecen", "Győr", "Olomouc", "Ostrava", "Košice", "Toruń",
    "Białystok", "Lublin", "Katowice", "Rosario", "Mendoza", "Arequipa", "Cusco", "Cali",
    "Cartagena", "Barranquilla", "Guayaquil", "Cuenca", "Fortaleza", "Manaus", "Curitiba",
    "Goiânia", "Florianópolis", "Puebla", "Tijuana", "León", "Querétaro", "Oaxaca",
    "Sacramento", "San Antonio", "El Paso", "Fort Worth", "Santa Fe", "Baton Rouge",
    "Des Moines", "Saskatoon", "Regina", "Victoria", "Sherbrooke", "Trois-Rivières",
    "Dunedin", "Hamilton", "Hobart", "Darwin", "Cairns", "Nagasaki", "Kobe", "Sendai",
    "Incheon", "Daegu", "Tainan", "Kaohsiung", "Da Nang", "Huế", "Chiang Mai", "Cebu City",
    "Surabaya", "Bandung", "Penang", "Mandalay", "Pune", "Jaipur", "Kochi", "Mysore",
    "Chittagong", "Peshawar", "Shiraz", "Isfahan", "Mashhad", "Basra", "Aleppo", "Amman",
    "Haifa", "Alexandria", "Luxor", "Fès", "Tangier", "Sfax", "Oran", "Benghazi", "Khartoum",
    "Mombasa", "Arusha", "Zanzibar City", "Bulawayo", "Maputo", "Windhoek", "Gaborone",
    "Port Elizabeth", "Bloemfontein", "Abidjan", "Bamako", "Ouagadougou", "Niamey", "Yaoundé",
    "Douala", "Libreville", "Brazzaville",
]
REAL_CITY_SHARE = 0.3  # of training's name draws (the generated pool and accented names share the rest)
ACCENTED_SHARE = 0.1
ACCENTED_SEED = 4711
ACCENTED_COUNT = 3000
ACCENTS = {"a": "áàâäãå", "e": "éèêë", "i": "íìîï", "o": "óòôöõø", "u": "úùûü", "c": "ç", "n": "ñ",
           "s": "šș", "z": "žź", "y": "ý"}


def mulberry32(seed):
    """Returns next() -> uint32. Same sequence as the usual JavaScript mulberry32."""
    state = [seed & M32]

    def imul(x, y):
        return (x * y) & M32

    def nxt():
        a = (state[0] + 0x6D2B79F5) & M32
        state[0] = a
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        return (t ^ (t >> 14)) & M32

    return nxt


class NameGenerator:
    def __init__(self, seed):
        self._next = mulberry32(seed)

    def below(self, n):
        # floor(u / 2^32 * n) in doubles: exactly what Math.floor(u / 4294967296 * n) gives.
        return int(self._next() / 4294967296 * n)

    def pick(self, items):
        return items[self.below(len(items))]

    def word(self):
        if self.below(10) == 0:  # 10%: random letters, so copying is not tied to syllables
            n = 3 + self.below(6)
            w = "".join(self.pick(LETTERS) for _ in range(n))
        else:
            n = 2 + self.below(3) // 2  # 2 syllables (2/3) or 3 (1/3)
            w = "".join(self.pick(ONSETS) + self.pick(VOWELS) + self.pick(CODAS) for _ in range(n))
        return w[0].upper() + w[1:]

    def name(self):
        first = self.word()
        return first + " " + self.word() if self.below(5) == 0 else first


def name_pool(seed, count):
    """`count` distinct names, in generation order."""
    gen = NameGenerator(seed)
    seen, out = set(), []
    while len(out) < count:
        n = gen.name()
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def heldout_names(seed, count, exclude):
    """Names from another seed that are not in `exclude`."""
    gen = NameGenerator(seed)
    out = []
    while len(out) < count:
        n = gen.name()
        if n not in exclude and n not in out:
            out.append(n)
    return out


def accented_names(pool, seed=ACCENTED_SEED, count=ACCENTED_COUNT):
    """Pool names with one or two letters accented (São, Zürich, Kraków): invented names whose
    bytes are the accented letters real names bring. Written to golden_renders.json for the
    runtime test, which cannot regenerate them (Python's random)."""
    import random

    r = random.Random(seed)
    out, seen = [], set(pool)
    while len(out) < count:
        name = r.choice(pool)
        chars = list(name)
        spots = [i for i, c in enumerate(chars) if c.lower() in ACCENTS]
        if not spots:
            continue
        for i in r.sample(spots, min(len(spots), r.choice([1, 1, 2]))):
            accented = r.choice(ACCENTS[chars[i].lower()])
            chars[i] = accented.upper() if chars[i].isupper() else accented
        name = "".join(chars)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


class TrainingNames:
    """Where training's city names come from: real cities, accented and plain invented names."""

    def __init__(self):
        self.pool = name_pool(TRAIN_NAME_SEED, TRAIN_POOL_SIZE)
        self.accented = accented_names(self.pool)
        self.real = list(REAL_CITIES)

    def draw(self, r):
        u = r.random()
        if u < REAL_CITY_SHARE:
            return r.choice(self.real)
        if u < REAL_CITY_SHARE + ACCENTED_SHARE:
            return r.choice(self.accented)
        return r.choice(self.pool)

    def all(self):
        return set(self.pool) | set(self.accented) | set(self.real)


def training_names():
    """Every name a training chat can hold."""
    return TrainingNames().all()


if __name__ == "__main__":
    pool = name_pool(TRAIN_NAME_SEED, 12)
    print(pool)
