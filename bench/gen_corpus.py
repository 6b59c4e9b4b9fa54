#!/usr/bin/env python3
"""Generates bench/corpus.jsonl deterministically (fixed seeds): one JSON object per line,
{"category": ..., "text": ...}. Every category has its own seeded generator, so changing one does
not change the others. Re-run only to change the corpus; the committed corpus.jsonl is what the
benchmarks read (and crates/bramka-core/tests/fixtures/corpus.jsonl, a copy the tests read).

Categories (each reported separately by bench/compare.sh):
  common          the original 300 messages: short Latin, Polish, GSM-7 extension characters,
                  emoji, long GSM-7 and UCS-2 texts, multi-line
  random_unicode  about 400 bytes of random code points from many blocks (Latin, Greek, Cyrillic,
                  Arabic, Devanagari, CJK, Hangul, emoji, combining marks, symbols)
  scripts         Cyrillic, Arabic, CJK and Devanagari texts, 1 to 4 parts
  flags_zwj       regional-indicator flags and ZWJ family / profession emoji with skin tones
  smart_punct     smart quotes, dashes, ellipsis, NBSP (what transliteration replaces)
  boundary        exactly 160 / 153 / 70 / 67 units with an extension character or a surrogate
                  pair (or a cluster) on the part boundary
  seven_parts     7-part GSM-7 and UCS-2 texts
  crlf            CRLF and lone CR line breaks
"""
import json
import random
import sys
from pathlib import Path

rng = random.Random(20261122)

ASCII = [
    "Your code is {n}. It expires in 10 minutes.",
    "Order #{n} has shipped. Track it at https://example.com/t/{n}",
    "Reminder: appointment tomorrow at {h}:30. Reply C to cancel.",
    "Hi {name}, your parcel is waiting at locker {n}.",
    "ALERT: login from a new device at {h}:{m}. Not you? Call us.",
    "Thanks for voting! Results on Friday.",
    "Balance: {n} PLN. Top up at any kiosk.",
    "Meeting moved to {h}:{m}, room 4. See you there.",
]
POLISH = [
    "Zamówienie nr {n} zostało wysłane. Dziękujemy za zakupy!",
    "Przypominamy o wizycie jutro o godz. {h}:{m}. Odpowiedz NIE, aby odwołać.",
    "Zażółć gęślą jaźń: kod {n}",
    "Paczka czeka w paczkomacie {n}. Odbierz ją w ciągu 48 godzin.",
    "Dzień dobry {name}! Twoja faktura na kwotę {n} zł jest już dostępna.",
    "GŁOSUJĘ A",
    "Głosuję na opcję {n}, pozdrawiam z Łodzi.",
    "Źródło: Łukasz Żółkiewski, ul. Świętokrzyska {n}, Kraków.",
    "Uwaga: awaria sieci w rejonie ulic Ogrodowej i Żelaznej do {h}:{m}.",
]
EXT = [
    "Price: {n} € (VAT incl.)",
    "Use the code [{n}] at checkout {{promo}}",
    "Path: C:\\users\\{name} | size ~{n} KB ^_^",
    "Total {n}€ | discount [10%] {{members only}} ~ today",
    "JSON: {{\"id\": {n}, \"tags\": [\"a\", \"b\"]}}",
]
EMOJI = [
    "Happy birthday {name}! 🎉🎂",
    "Family day 👨‍👩‍👧‍👦 at the park, {h}:{m}",
    "Go team 🇵🇱🇩🇪🇬🇧! Score {n}:{m}",
    "👍🏽 Thanks! See you at {h}:{m} 😀",
    "Rainbow flag 🏳️‍🌈 parade starts at {h}:00",
    "Kod: {n} 🔐 nie udostępniaj go nikomu",
    "Pizza 🍕 or sushi 🍣? Reply 1 or 2",
    "Woman technologist 👩🏻‍💻 meetup, ticket {n}",
]
NAMES = ["Anna", "Łukasz", "Zofia", "John", "Małgorzata", "Piotr", "Ewa", "Grzegorz"]
WORDS_GSM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud "
             "exercitation ullamco laboris nisi aliquip ex ea commodo consequat").split()
WORDS_PL = ("zażółć gęślą jaźń ćma źdźbło łódź żółw pięść mąka śnieg ósmy wąż gęś "
            "dziękujemy przesyłka zamówienie płatność wiadomość odpowiedź").split()


def fill(t):
    return t.format(n=rng.randint(1000, 999999), h=rng.randint(7, 21), m=f"{rng.randint(0, 59):02d}",
                    name=rng.choice(NAMES))


def long_text(words, lo, hi, extra=""):
    target = rng.randint(lo, hi)
    out = []
    while sum(len(w) + 1 for w in out) < target:
        out.append(rng.choice(words))
        if extra and rng.random() < 0.05:
            out.append(rng.choice(extra))
    return " ".join(out).capitalize() + "."


def common():
    msgs = []
    for _ in range(90):
        msgs.append(fill(rng.choice(ASCII)))
    for _ in range(70):
        msgs.append(fill(rng.choice(POLISH)))
    for _ in range(40):
        msgs.append(fill(rng.choice(EXT)))
    for _ in range(50):
        msgs.append(fill(rng.choice(EMOJI)))
    for _ in range(20):  # long GSM texts, 2 to 7 parts, some with extension characters
        msgs.append(long_text(WORDS_GSM, 170, 1000, ["€", "[x]", "{y}", "~", "|"]))
    for _ in range(20):  # long UCS-2 texts (Polish), 2 to 10 parts, some with emoji
        msgs.append(long_text(WORDS_PL, 80, 650, ["😀", "🇵🇱", "👨‍👩‍👧"]))
    for _ in range(10):  # multi-line
        msgs.append(fill(rng.choice(ASCII)) + "\n" + fill(rng.choice(POLISH + EXT)))
    rng.shuffle(msgs)
    return msgs


# Blocks for random_unicode: (first, last, weight). Assigned, non-control code points mostly.
BLOCKS = [
    (0x20, 0x7E, 30),       # ASCII
    (0xA1, 0xFF, 8),        # Latin-1
    (0x100, 0x17F, 6),      # Latin Extended-A
    (0x300, 0x36F, 3),      # combining diacritics
    (0x391, 0x3C9, 5),      # Greek
    (0x410, 0x44F, 8),      # Cyrillic
    (0x621, 0x64A, 5),      # Arabic letters
    (0x64B, 0x652, 1),      # Arabic harakat (combining)
    (0x905, 0x939, 4),      # Devanagari letters
    (0x93E, 0x94D, 2),      # Devanagari vowel signs (spacing marks / extend)
    (0x2010, 0x2027, 3),    # general punctuation
    (0x20A0, 0x20BF, 1),    # currency
    (0x2190, 0x21FF, 1),    # arrows
    (0x3041, 0x3096, 3),    # Hiragana
    (0x4E00, 0x9FFF, 8),    # CJK
    (0xAC00, 0xD7A3, 3),    # Hangul syllables
    (0x1F300, 0x1F64F, 5),  # emoji
    (0x1F680, 0x1F6FF, 2),  # transport emoji
    (0x1F3FB, 0x1F3FF, 1),  # skin tones
    (0x1D400, 0x1D4FF, 1),  # mathematical alphanumerics (4-byte, not emoji)
]


def random_unicode(r):
    weights = [w for _, _, w in BLOCKS]
    out = []
    size = 0
    target = r.randint(360, 440)
    while size < target:
        lo, hi, _ = r.choices(BLOCKS, weights)[0]
        c = chr(r.randint(lo, hi))
        out.append(c)
        size += len(c.encode("utf-8"))
        if r.random() < 0.03:
            out.append("\u200d")  # a stray joiner now and then
    return "".join(out)


SCRIPTS = {
    "cyrillic": "Здравствуйте ваш заказ номер готов к выдаче спасибо за покупку код подтверждения "
                "доставка завтра с утра оплата принята ждём вас снова".split(),
    "arabic": "مرحبا طلبك رقم جاهز للاستلام شكرا لك رمز التحقق الخاص بك هو التوصيل غدا صباحا "
              "تم استلام الدفع نراك قريبا".split(),
    "cjk": "您好 您的订单 已发货 验证码 请勿泄露 谢谢 明天 上午 送达 付款 已收到 欢迎 再次 光临 "
           "ご注文 ありがとう ございます 確認コード".split(),
    "devanagari": "नमस्ते आपका ऑर्डर तैयार है धन्यवाद सत्यापन कोड किसी को न बताएं कल सुबह डिलीवरी "
                  "भुगतान प्राप्त हुआ फिर मिलेंगे".split(),
}


def scripts(r):
    words = SCRIPTS[r.choice(sorted(SCRIPTS))]
    target = r.choice([40, 65, 120, 200, 260])
    out = []
    while sum(len(w) + 1 for w in out) < target:
        out.append(r.choice(words))
        if r.random() < 0.1:
            out.append(str(r.randint(100, 99999)))
    return " ".join(out)


FLAGS = ["🇵🇱", "🇩🇪", "🇬🇧", "🇺🇸", "🇫🇷", "🇯🇵", "🇺🇦", "🇮🇳", "🇧🇷", "🇪🇺", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]
ZWJ = ["👨‍👩‍👧‍👦", "👩‍👩‍👦", "👨‍👨‍👧‍👧", "👩🏻‍💻", "👨🏿‍🚀", "🧑🏽‍🍳", "👩‍❤️‍💋‍👨", "🏳️‍🌈", "🏳️‍⚧️",
       "👁️‍🗨️", "🧔🏾‍♂️", "👍🏽", "✌🏼", "1️⃣", "#️⃣"]


def flags_zwj(r):
    n = r.randint(2, 40)
    out = [r.choice(["Go team", "Family", "Hello", "Wszystkiego najlepszego", "Meetup"])]
    for _ in range(n):
        out.append(r.choice(FLAGS) if r.random() < 0.5 else r.choice(ZWJ))
        if r.random() < 0.2:
            out.append(r.choice([" ", " and ", "! ", ", "]))
    return "".join(out)


SMART = ["“", "”", "‘", "’", "–", "—", "…", "\u00a0", "„", "«", "»", "′", "″", "•"]


def smart_punct(r):
    words = WORDS_GSM
    target = r.randint(40, 300)
    out = []
    size = 0
    while size < target:
        w = r.choice(words)
        k = r.random()
        if k < 0.15:
            w = "“" + w + "”"
        elif k < 0.25:
            w = "‘" + w + "’"
        elif k < 0.35:
            w = w + r.choice(SMART)
        out.append(w)
        size += len(w) + 1
    return r.choice([" ", "\u00a0"]).join(out) + r.choice([".", "…", "!"])


def boundary(r):
    fill_gsm = lambda n: "".join(r.choice("abcdefghij klmnopqrstuvwxyz") for _ in range(n))
    fill_ucs = lambda n: "".join(r.choice("ąćęłńóśźż abc") for _ in range(n))
    k = r.randrange(10)
    if k == 0:   # 160 septets: 158 + one extension character (2)
        return fill_gsm(158) + r.choice("€[]{}~|^\\")
    if k == 1:   # 161 septets, the escape pair would straddle 160: 2 parts
        return fill_gsm(159) + "€"
    if k == 2:   # extension character across the 153 boundary of part 1
        return fill_gsm(152) + "€" + fill_gsm(r.randint(5, 150))
    if k == 3:   # exactly 153 * 2 septets
        return fill_gsm(151) + "{}" + fill_gsm(151)
    if k == 4:   # 70 UCS-2 units: 68 + a surrogate pair
        return fill_ucs(68) + "😀"
    if k == 5:   # surrogate pair straddling 70
        return fill_ucs(69) + "😀"
    if k == 6:   # surrogate pair straddling the 67 boundary of part 1
        return fill_ucs(66) + "🎉" + fill_ucs(r.randint(5, 60))
    if k == 7:   # a flag (two surrogate pairs, one cluster) across 67
        return fill_ucs(65) + "🇵🇱" + fill_ucs(r.randint(5, 60))
    if k == 8:   # ZWJ family across the 67 boundary
        return fill_ucs(r.randint(60, 66)) + "👨‍👩‍👧‍👦" + fill_ucs(r.randint(5, 60))
    return fill_ucs(67) + fill_ucs(67)   # exactly 2 x 67


def seven_parts(r):
    if r.random() < 0.5:   # GSM-7: 919 to 1071 septets
        target = r.randint(919, 1065)
        out = []
        size = 0
        while True:
            w = r.choice(WORDS_GSM + ["€", "[x]", "{y}"])
            cost = sum(2 if ch in "€[]{}~|^\\" else 1 for ch in w) + 1
            if size + cost > target:
                break
            out.append(w)
            size += cost
        return " ".join(out)
    target = r.randint(403, 460)   # UCS-2: 403 to 469 units
    out = []
    size = 0
    while True:
        w = r.choice(WORDS_PL + ["😀", "🇵🇱"])
        cost = len(w.encode("utf-16-le")) // 2 + 1
        if size + cost > target:
            break
        out.append(w)
        size += cost
    return " ".join(out)


def crlf(r):
    lines = [fill(r.choice(ASCII + POLISH)) for _ in range(r.randint(2, 6))]
    sep = r.choice(["\r\n", "\r", "\r\n", "\n\r"])
    return sep.join(lines) + (sep if r.random() < 0.3 else "")


GENERATED = [
    ("random_unicode", random_unicode, 100, 1),
    ("scripts", scripts, 100, 2),
    ("flags_zwj", flags_zwj, 100, 3),
    ("smart_punct", smart_punct, 100, 4),
    ("boundary", boundary, 100, 5),
    ("seven_parts", seven_parts, 100, 6),
    ("crlf", crlf, 100, 7),
]


def main():
    rows = [("common", m) for m in common()]
    for name, gen, count, seed in GENERATED:
        r = random.Random(20261207 * 100 + seed)
        rows.extend((name, gen(r)) for _ in range(count))
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("corpus.jsonl"))
    with out.open("w", encoding="utf-8") as f:
        for cat, text in rows:
            f.write(json.dumps({"category": cat, "text": text}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} messages written to {out}")


if __name__ == "__main__":
    main()
