#!/usr/bin/python3
"""Writes executive documents (writs of execution) and civil-registry acts in Tajik,
Russian and Uzbek (Cyrillic) with known field values, as a batch folder of texts
to render: <out>/<id>.txt (one paragraph per line), <out>/<id>.json (the truth:
pipeline, language and every field as Fehrist names it), deterministic per seed.

    make_documents.py OUT [--writs N] [--acts N] [--seed S]
"""
import argparse
import json
import os
import random

SURNAMES = ["Каримов", "Рахимов", "Назаров", "Саидов", "Шарипов", "Одинаев", "Ҳакимов",
            "Юсупов", "Раҷабов", "Қодиров", "Сафаров", "Мирзоев", "Ғафуров", "Тошматов"]
GIVEN_M = ["Алишер", "Фаррух", "Бахтиёр", "Ҷамшед", "Рустам", "Далер", "Сӯҳроб", "Умед", "Шерзод"]
GIVEN_F = ["Зарина", "Мадина", "Нигина", "Шаҳноза", "Гулнора", "Дилором", "Малика", "Фарзона"]
PATRON_M = ["Бахромович", "Одинаевич", "Саидович", "Каримович", "Рустамович"]
PATRON_F = ["Бахромовна", "Одинаевна", "Саидовна", "Каримовна", "Рустамовна"]
TJ_PATRON_M = ["Бахром", "Одина", "Саид", "Карим"]

COURTS = {
    "rus": ["Суд района Сино города Душанбе", "Суд района Исмоили Сомони города Душанбе",
            "Худжандский городской суд", "Суд района Рудаки", "Экономический суд города Душанбе"],
    "tgk": ["Суди ноҳияи Сино, шаҳри Душанбе", "Суди ноҳияи Фирдавсӣ, шаҳри Душанбе",
            "Суди шаҳри Хуҷанд", "Суди ноҳияи Рӯдакӣ", "Суди иқтисодии шаҳри Душанбе"],
    "uzb_cyrl": ["Тошкент шаҳар Юнусобод туман суди", "Самарқанд вилоят суди",
                 "Фарғона туманлараро иқтисодий суди", "Андижон шаҳар суди"],
}
SUBJECTS = {
    "rus": ["взыскание алиментов на содержание несовершеннолетнего ребёнка",
            "взыскание задолженности по договору займа", "возмещение материального ущерба",
            "взыскание заработной платы", "выселение из жилого помещения"],
    "tgk": ["ситонидани алимент барои нигоҳубини кӯдак", "ситонидани қарз аз рӯи шартномаи қарз",
            "ҷуброни зарари моддӣ", "ситонидани музди меҳнат"],
    "uzb_cyrl": ["алимент ундириш", "қарзни ундириш", "моддий зарарни қоплаш", "иш ҳақини ундириш"],
}
OFFICES = {
    "rus": ["Отдел исполнения района Сино", "Отдел исполнения города Худжанда",
            "Служба исполнения при Правительстве Республики Таджикистан"],
    "tgk": ["Шуъбаи иҷрои ноҳияи Сино", "Шуъбаи иҷрои шаҳри Хуҷанд",
            "Хадамоти иҷрои назди Ҳукумати Ҷумҳурии Тоҷикистон"],
    "uzb_cyrl": ["Юнусобод туман мажбурий ижро бўлими", "Самарқанд шаҳар мажбурий ижро бўлими"],
}
CITIES = {"rus": ["Душанбе", "Худжанд", "Бохтар"], "tgk": ["Душанбе", "Хуҷанд", "Бохтар"],
          "uzb_cyrl": ["Тошкент", "Самарқанд", "Андижон"]}
MONTHS = {
    "rus": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
            "сентября", "октября", "ноября", "декабря"],
    "tgk": ["январи", "феврали", "марти", "апрели", "майи", "июни", "июли", "августи",
            "сентябри", "октябри", "ноябри", "декабри"],
    "uzb_cyrl": ["январ", "феврал", "март", "апрел", "май", "июн", "июл", "август",
                 "сентябр", "октябр", "ноябр", "декабр"],
}
# Currency as written after a number, per language, and its ISO 4217 code.
CURRENCY_WORDS = {
    "TJS": {"rus": ["сомони"], "tgk": ["сомонӣ"], "uzb_cyrl": ["сомоний"]},
    "USD": {"rus": ["долларов США"], "tgk": ["доллари ИМА"], "uzb_cyrl": ["USD"]},
    "RUB": {"rus": ["рублей"], "tgk": ["рубли Русия"], "uzb_cyrl": ["рубль"]},
    "BYN": {"rus": ["белорусских рублей"], "tgk": ["BYN"], "uzb_cyrl": ["BYN"]},
    "UZS": {"rus": ["сумов"], "tgk": ["UZS"], "uzb_cyrl": ["сўм"]},
    "KGS": {"rus": ["KGS"], "tgk": ["KGS"], "uzb_cyrl": ["KGS"]},
    "KZT": {"rus": ["тенге"], "tgk": ["тенге"], "uzb_cyrl": ["тенге"]},
    "EUR": {"rus": ["евро"], "tgk": ["евро"], "uzb_cyrl": ["евро"]},
}


# How each language spells Tajik names: Russian documents transliterate the Tajik
# letters, Uzbek Cyrillic keeps those it shares.
SPELLING = {
    "rus": {"Ҳ": "Х", "ҳ": "х", "Ҷ": "Дж", "ҷ": "дж", "Қ": "К", "қ": "к", "Ғ": "Г", "ғ": "г",
            "Ӯ": "У", "ӯ": "у", "Ӣ": "И", "ӣ": "и"},
    "uzb_cyrl": {"Ҷ": "Ж", "ҷ": "ж", "Ӯ": "Ў", "ӯ": "ў", "Ӣ": "И", "ӣ": "и"},
    "tgk": {},
}


def spelled(name, lang):
    return "".join(SPELLING[lang].get(c, c) for c in name)


def person(rng, lang, female=None):
    female = rng.random() < 0.5 if female is None else female
    surname = rng.choice(SURNAMES) + ("а" if female else "")
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    if lang == "rus" or rng.random() < 0.5:
        return spelled(f"{surname} {given} {rng.choice(PATRON_F if female else PATRON_M)}", lang)
    return spelled(f"{surname} {given}", lang)


def date(rng, lang, year=None):
    y = year or rng.randint(2015, 2025)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    iso = f"{y:04d}-{m:02d}-{d:02d}"
    style = rng.choice(["numeric", "words"])
    if style == "numeric":
        return iso, f"{d:02d}.{m:02d}.{y}"
    if lang == "rus":
        return iso, f"{d} {MONTHS[lang][m - 1]} {y} г."
    if lang == "tgk":
        return iso, f"{d} {MONTHS[lang][m - 1]} соли {y}"
    return iso, rng.choice([f"{d} {MONTHS[lang][m - 1]} {y} йил", f"{y} йил {d} {MONTHS[lang][m - 1]}"])


def grouped(n, sep):
    text = f"{n:,}"
    return text.replace(",", sep)


def amount(rng, lang, currency=None):
    code = currency or rng.choice(list(CURRENCY_WORDS))
    whole = rng.choice([rng.randint(100, 9999), rng.randint(10_000, 999_999),
                        rng.randint(1_000_000, 999_999_999)])
    cents = rng.choice([None, None, rng.randint(1, 99)])
    value = str(whole) + (f".{cents:02d}" if cents else "")
    number = grouped(whole, " ") if whole >= 1000 else str(whole)
    if cents:
        number += f",{cents:02d}"
    word = rng.choice(CURRENCY_WORDS[code][lang])
    return {"value": value, "currency": code}, f"{number} {word}"


def case_number(rng):
    return f"{rng.choice(['2', '3', '1', '2а'])}-{rng.randint(1, 2999)}/{rng.randint(2015, 2025)}"


def writ_number(rng):
    return rng.choice([f"ФС-{rng.randint(1, 99999):05d}", f"{rng.randint(1, 9999)}/{rng.randint(18, 25)}",
                       f"ИЛ-{rng.randint(100, 999)}"])


def writ(rng, lang):
    f = {
        "court": rng.choice(COURTS[lang]),
        "case_number": case_number(rng),
        "writ_number": writ_number(rng),
        "claimant": person(rng, lang),
        "debtor": person(rng, lang),
        "subject": rng.choice(SUBJECTS[lang]),
        "enforcement_office": rng.choice(OFFICES[lang]),
    }
    decision_iso, decision_text = date(rng, lang)
    f["decision_date"] = decision_iso
    amounts = [amount(rng, lang) for _ in range(rng.choice([1, 1, 2]))]
    f["amounts"] = [a for a, _ in amounts]
    sums = " ва ".join(t for _, t in amounts) if lang == "tgk" else (
        " и ".join(t for _, t in amounts) if lang == "rus" else " ва ".join(t for _, t in amounts))
    city = rng.choice(CITIES[lang])
    year = rng.randint(1960, 2000)
    if lang == "rus":
        lines = [
            f"ИСПОЛНИТЕЛЬНЫЙ ЛИСТ № {f['writ_number']}",
            f"Суд: {f['court']}",
            f"по делу № {f['case_number']}",
            f"Дата решения: {decision_text}",
            f"Взыскатель: {f['claimant']}, проживающий в г. {city}",
            f"Должник: {f['debtor']}, {year} года рождения",
            f"Предмет исполнения: {f['subject']}",
            f"Сумма взыскания: {sums}.",
            f"Орган исполнения: {f['enforcement_office']}",
            "Решение вступило в законную силу. Исполнительный лист подлежит исполнению.",
        ]
    elif lang == "tgk":
        lines = [
            f"ВАРАҚАИ ИҶРОИЯ № {f['writ_number']}",
            f"Суд: {f['court']}",
            f"Парвандаи № {f['case_number']}",
            f"Санаи қарор: {decision_text}",
            f"Ситонанда: {f['claimant']}, сокини шаҳри {city}",
            f"Қарздор: {f['debtor']}, соли таваллудаш {year}",
            f"Мавзӯи иҷро: {f['subject']}",
            f"Маблағ: {sums}.",
            f"Мақомоти иҷро: {f['enforcement_office']}",
            "Қарор эътибори қонунӣ пайдо кардааст ва бояд иҷро карда шавад.",
        ]
    else:
        lines = [
            f"ИЖРО ВАРАҚАСИ № {f['writ_number']}",
            f"Суд: {f['court']}",
            f"Иш № {f['case_number']}",
            f"Қарор санаси: {decision_text}",
            f"Ундирувчи: {f['claimant']}, {city} шаҳри",
            f"Қарздор: {f['debtor']}, {year} йилда туғилган",
            f"Ижро предмети: {f['subject']}",
            f"Сумма: {sums}.",
            f"Ижро бўлими: {f['enforcement_office']}",
            "Суд қарори қонуний кучга кирган ва ижро этилиши шарт.",
        ]
    return lines, f


def act(rng, lang):
    number = str(rng.randint(1, 2999))
    drawn_iso, drawn_text = date(rng, lang)
    born_iso, born_text = date(rng, lang, year=int(drawn_iso[:4]))
    child = person(rng, lang)
    father = person(rng, lang, female=False)
    mother = person(rng, lang, female=True)
    if lang == "rus":
        lines = [
            f"ЗАПИСЬ АКТА О РОЖДЕНИИ № {number}",
            f"Дата составления записи: {drawn_text}",
            f"Гражданин {child} родился {born_text}",
            f"Отец: {father}",
            f"Мать: {mother}",
            "Место государственной регистрации: отдел ЗАГС города Душанбе.",
        ]
    else:
        lines = [
            f"САНАДИ ҚАЙДИ ТАВАЛЛУД № {number}",
            f"Санаи тартиб додани сабт: {drawn_text}",
            f"Шаҳрванд {child} таваллуд шудааст {born_text}",
            f"Падар: {father}",
            f"Модар: {mother}",
            "Ҷойи бақайдгирӣ: шуъбаи САҲШ-и шаҳри Душанбе.",
        ]
    dates = []
    for d in (drawn_iso, born_iso):
        if d not in dates:
            dates.append(d)
    fields = {"dates": dates, "document_numbers": [number], "persons": [child, father, mother]}
    return lines, fields


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--writs", type=int, default=30)
    ap.add_argument("--acts", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    langs = ["rus", "tgk", "uzb_cyrl"]
    docs = [("writ", i, langs[i % 3]) for i in range(a.writs)]
    docs += [("act", i, ["rus", "tgk"][i % 2]) for i in range(a.acts)]
    for kind, i, lang in docs:
        if kind == "writ":
            lines, fields = writ(rng, lang)
            pipeline = "executive-documents"
        else:
            lines, fields = act(rng, lang)
            pipeline = "civil-registry"
        doc_id = f"{kind}{i:03d}"
        with open(os.path.join(a.out, doc_id + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(a.out, doc_id + ".json"), "w", encoding="utf-8") as f:
            json.dump({"pipeline": pipeline, "lang": lang, "fields": fields}, f, ensure_ascii=False,
                      indent=1)


if __name__ == "__main__":
    main()
