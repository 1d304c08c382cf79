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

# Real cities (one and two words) so typed-in names tokenize into familiar pieces too.
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
]


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


def training_names():
    return name_pool(TRAIN_NAME_SEED, TRAIN_POOL_SIZE) + REAL_CITIES


if __name__ == "__main__":
    pool = name_pool(TRAIN_NAME_SEED, 12)
    print(pool)
