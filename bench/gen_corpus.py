#!/usr/bin/env python3
"""Generates bench/corpus.txt deterministically (fixed seed): one message per line, with `\\n`
inside a message written as the two characters backslash and n (every runner decodes it the same
way). Re-run only to change the corpus; the committed corpus.txt is what the benchmarks read."""
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


def main():
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
        msgs.append(fill(rng.choice(ASCII)) + "\\n" + fill(rng.choice(POLISH + EXT)))
    rng.shuffle(msgs)
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("corpus.txt"))
    out.write_text("\n".join(msgs) + "\n", encoding="utf-8")
    print(f"{len(msgs)} messages written to {out}")


if __name__ == "__main__":
    main()
