//! The textual patterns fields are read from: dates, sums of money, numbers after
//! `№`, and labelled lines, as Tajik, Russian and Uzbek (Cyrillic) documents write them.
//! Each finder returns byte ranges of the text it read, so the caller can say where.

use std::ops::Range;
use std::sync::LazyLock;

use fehrist_model::Amount;
use regex::Regex;

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the extraction patterns are valid")
}

/// Month names by their stem, which Russian (`марта`), Tajik (`марти`) and Uzbek
/// (`март`) forms share.
const MONTHS: &str = "январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр";

fn month_number(stem: &str) -> Option<u32> {
    let stem = stem.to_lowercase();
    let stems = [
        "январ",
        "феврал",
        "март",
        "апрел",
        "ма",
        "июн",
        "июл",
        "август",
        "сентябр",
        "октябр",
        "ноябр",
        "декабр",
    ];
    stems
        .iter()
        .position(|s| stem.starts_with(s))
        .map(|i| i as u32 + 1)
}

static NUMERIC_DATE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"));
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
/// `12 марта 2024 г.`, `«12» марти соли 2024`, `12 март 2024 йил`.
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r#"(?i)[«"]?\b(\d{{1,2}})[»"]?\s+({MONTHS})\p{{L}}*\s+(?:соли\s+)?(\d{{4}})\b(?:\s*(?:года|г\.|йил(?:да)?|сол))?"#
    ))
});
/// `2024 йил 12 март` (Uzbek order).
static YEAR_DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(\d{{4}})\s+йил\s+(\d{{1,2}})\s+({MONTHS})\p{{L}}*"
    ))
});

fn iso_date(year: &str, month: u32, day: &str) -> Option<String> {
    let year: u32 = year.parse().ok()?;
    let day: u32 = day.parse().ok()?;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1800..=2100).contains(&year) && (1..=days).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Every date in the text as an ISO 8601 day, in order of appearance.
pub fn dates(text: &str) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    for c in NUMERIC_DATE.captures_iter(text) {
        let month = c[2].parse().unwrap_or(0);
        if let Some(date) = iso_date(&c[3], month, &c[1]) {
            found.push((c.get(0).expect("whole match").range(), date));
        }
    }
    for c in ISO_DATE.captures_iter(text) {
        let month = c[2].parse().unwrap_or(0);
        if let Some(date) = iso_date(&c[1], month, &c[3]) {
            found.push((c.get(0).expect("whole match").range(), date));
        }
    }
    for c in DAY_MONTH_YEAR.captures_iter(text) {
        if let Some(date) = month_number(&c[2]).and_then(|m| iso_date(&c[3], m, &c[1])) {
            found.push((c.get(0).expect("whole match").range(), date));
        }
    }
    for c in YEAR_DAY_MONTH.captures_iter(text) {
        if let Some(date) = month_number(&c[3]).and_then(|m| iso_date(&c[1], m, &c[2])) {
            found.push((c.get(0).expect("whole match").range(), date));
        }
    }
    found.sort_by_key(|(range, _)| range.start);
    // A date inside a longer one already found (`12.03.2024` within itself) once.
    let mut kept: Vec<(Range<usize>, String)> = Vec::new();
    for (range, date) in found {
        if kept.last().is_none_or(|(last, _)| range.start >= last.end) {
            kept.push((range, date));
        }
    }
    kept
}

/// A number as the region writes sums: thousands grouped by spaces (`700 928 176`),
/// dots or commas, the fraction after a comma or dot.
const NUMBER: &str = r"(\d{1,3}(?:[ \u{a0}\u{202f}]\d{3})+|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:[.,](\d{1,2}))?";

/// Currency words and signs, most specific first (`белорусских рублей` before
/// `рублей`, `сомонӣ` before the Kyrgyz `сом`), each with its ISO 4217 code.
const CURRENCIES: &[(&str, &str)] = &[
    ("TJS", r"сомон\p{L}*|смн\.?|TJS"),
    (
        "USD",
        r"доллар\p{L}*(?:\s+(?:США|ИМА))?|долл\.(?:\s+США)?|USD|\$",
    ),
    ("BYN", r"белорусск\p{L}*\s+рубл\p{L}*|BYN"),
    ("RUB", r"(?:российск\p{L}*\s+)?рубл\p{L}*|руб\.|RUB|₽"),
    ("UZS", r"сўм\p{L}*|сум(?:ов|а)?\b|UZS"),
    ("KGS", r"сом\b|сома\b|сомов\b|KGS"),
    ("KZT", r"тенге|KZT|₸"),
    ("EUR", r"евро|EUR|€"),
];

static AMOUNT: LazyLock<(Regex, Regex)> = LazyLock::new(|| {
    let alternatives: Vec<String> = CURRENCIES
        .iter()
        .map(|(code, words)| format!("(?P<{code}>{words})"))
        .collect();
    let currency = alternatives.join("|");
    // The number, then perhaps the sum in words in brackets, then the currency.
    let after = regex(&format!(
        r"(?i)(?:^|[^\d\p{{L}}]){NUMBER}\s*(?:\([^()\n]{{1,200}}\)\s*)?(?:{currency})"
    ));
    // `TJS 1 500`, `$500`.
    let before = regex(&format!(
        r"(?:^|[^\p{{L}}])(?P<code>TJS|USD|RUB|BYN|UZS|KGS|KZT|EUR|\$|€|₽)\s?{NUMBER}"
    ));
    (after, before)
});

fn decimal(integer: &str, fraction: Option<&str>) -> String {
    let mut digits: String = integer.chars().filter(char::is_ascii_digit).collect();
    // The fraction the number pattern itself kept (`1.500,50`, `1,50`).
    let inner = integer
        .rfind([',', '.'])
        .filter(|&at| integer.len() - at - 1 <= 2);
    let fraction = fraction.or_else(|| inner.map(|at| &integer[at + 1..]));
    if let Some(at) = inner {
        digits = integer[..at].chars().filter(char::is_ascii_digit).collect();
    }
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    match fraction {
        Some(fraction) if !fraction.is_empty() => format!("{digits}.{fraction:0<2}"),
        _ => digits.to_owned(),
    }
}

fn code_of_sign(sign: &str) -> &str {
    match sign {
        "$" => "USD",
        "€" => "EUR",
        "₽" => "RUB",
        code => code,
    }
}

/// Every sum of money with its currency, in order of appearance.
pub fn amounts(text: &str) -> Vec<(Range<usize>, Amount)> {
    let (after, before) = &*AMOUNT;
    let mut found = Vec::new();
    for c in after.captures_iter(text) {
        let Some(code) = CURRENCIES
            .iter()
            .map(|(code, _)| *code)
            .find(|code| c.name(code).is_some())
        else {
            continue;
        };
        let number = c.get(1).expect("a number");
        let end = c.get(0).expect("whole match").end();
        let value = decimal(number.as_str(), c.get(2).map(|m| m.as_str()));
        found.push((
            number.start()..end,
            Amount {
                value,
                currency: code.to_owned(),
            },
        ));
    }
    for c in before.captures_iter(text) {
        // Group 1 is the currency here; the number's groups follow it.
        let sign = c.name("code").expect("a currency");
        let number = c.get(2).expect("a number");
        let value = decimal(number.as_str(), c.get(3).map(|m| m.as_str()));
        let end = c.get(3).unwrap_or(number).end();
        found.push((
            sign.start()..end,
            Amount {
                value,
                currency: code_of_sign(sign.as_str()).to_owned(),
            },
        ));
    }
    for c in MISREAD_CODE.captures_iter(text) {
        let token = c.get(3).expect("a code");
        let Some(code) = misread_code(token.as_str()) else {
            continue;
        };
        let number = c.get(1).expect("a number");
        let value = decimal(number.as_str(), c.get(2).map(|m| m.as_str()));
        found.push((
            number.start()..token.end(),
            Amount {
                value,
                currency: code.to_owned(),
            },
        ));
    }
    found.sort_by_key(|(range, _)| range.start);
    let mut kept: Vec<(Range<usize>, Amount)> = Vec::new();
    for (range, amount) in found {
        if kept.last().is_none_or(|(last, _)| range.start >= last.end) {
            kept.push((range, amount));
        }
    }
    kept
}

/// A number followed by three or four capitals, digits or signs: a currency code as
/// a Cyrillic model reads Latin letters (`KGS` as `КСЅ`, `BYN` as `ВУК`, `UZS` as `Ю25`).
static MISREAD_CODE: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?:^|[^\d\p{{L}}]){NUMBER}[ \t]+([\p{{Lu}}\d$€₽]{{3,4}})(?:[^\p{{L}}\d]|$)"
    ))
});

/// The ISO 4217 code a misread token stands for: its letters folded from look-alikes,
/// then the one code at most one edit away (none when two are).
fn misread_code(token: &str) -> Option<&'static str> {
    let folded: Vec<char> = token
        .chars()
        .map(|c| match c {
            'А' => 'A',
            'В' => 'B',
            'С' => 'C',
            'Е' => 'E',
            'Н' => 'H',
            'К' => 'K',
            'М' => 'M',
            'О' | '0' => 'O',
            'Р' => 'P',
            'Т' => 'T',
            'У' | 'Ү' => 'Y',
            'Х' => 'X',
            'Ѕ' | '$' | '5' => 'S',
            '2' => 'Z',
            'Ю' => 'U',
            'І' => 'I',
            'Ј' => 'J',
            c => c,
        })
        .collect();
    // Digits alone are another number (`2 025`), not a code.
    if token.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let codes = ["TJS", "USD", "RUB", "BYN", "UZS", "KGS", "KZT", "EUR"];
    let near: Vec<&str> = codes
        .into_iter()
        .filter(|code| edit_distance(&folded, &code.chars().collect::<Vec<_>>()) <= 1)
        .collect();
    match near.as_slice() {
        [code] => Some(code),
        _ => None,
    }
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The number sign, and what Tesseract's Tajik model reads it as (`ІЮе`, `ІЮ`, `Ю`,
/// `І`, `Ке`: `І` is no Tajik or Russian letter, so it stands for the sign).
const NUMBER_SIGN: &str = r"(?:№|N[°oо]\.?|No\.?|N|ІЮе|ІЮ|Ю[eе]?|І|К[eе]|М[eеo]|Х[eе])";

/// A number: letters, digits and the `-` `/` `.` between them (`2-345/2024`,
/// `ИЛ-0012`, `123`).
const TOKEN: &str = r"([\p{L}\d](?:[\p{L}\d\-/.]*[\p{L}\d])?)";

/// After a label, the sign may be misread as any short run of letters, or be missing.
const LABEL_SIGN: &str = r"(?:№|[^\s\d№]{1,4})?";

static CASE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(?:по\s+)?(?:делу|дело|дела|парвандаи|парванда|иш)\s+(?:бўйича\s+)?{LABEL_SIGN}\s*{TOKEN}"
    ))
});
static WRIT_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)(?:исполнительн\p{{L}}*\s+лист\p{{L}}*|вара[қк]аи\s+иҷро\p{{L}}*|ижро\s+вара[қк]а\p{{L}}*)\s+(?:серия\s+\p{{L}}+\s+)?{LABEL_SIGN}\s*{TOKEN}"
    ))
});
static ANY_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(&format!(r"(?:^|[^\p{{L}}\d]){NUMBER_SIGN}\s*{TOKEN}")));

/// The number a pattern caught; a number has at least one digit.
fn token(captures: Option<regex::Captures<'_>>) -> Option<(Range<usize>, String)> {
    let m = captures?.get(1)?;
    let text = m.as_str().trim_end_matches('.');
    text.contains(|c: char| c.is_ascii_digit())
        .then(|| (m.start()..m.start() + text.len(), text.to_owned()))
}

/// Court case numbers: what follows `дело №`, `парвандаи №`, `иш №`.
pub fn case_numbers(text: &str) -> Vec<(Range<usize>, String)> {
    CASE_NUMBER
        .captures_iter(text)
        .filter_map(|c| token(Some(c)))
        .collect()
}

/// The number of a writ of execution: what follows `исполнительный лист №`,
/// `варақаи иҷроия №`, `ижро варақаси №`.
pub fn writ_number(text: &str) -> Option<(Range<usize>, String)> {
    token(WRIT_NUMBER.captures(text))
}

/// Every number written after `№`.
pub fn numbers(text: &str) -> Vec<(Range<usize>, String)> {
    ANY_NUMBER
        .captures_iter(text)
        .filter_map(|c| token(Some(c)))
        .collect()
}

/// A line this long was probably wrapped, so a value on it may go on below.
const WRAPPED_LINE: usize = 50;

/// The value of the first line that starts with one of `labels` (case-insensitive,
/// then `:` or a dash): the rest of that line, up to a comma when `to_comma`. Without
/// `to_comma`, a value on a full line goes on over the lines below that do not start
/// a labelled line of their own.
pub fn labelled(text: &str, labels: &[&str], to_comma: bool) -> Option<(Range<usize>, String)> {
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (n, line) in lines.iter().enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        let indent = body.len() - trimmed.len();
        let lower = folded(trimmed);
        for label in labels {
            // Lower-casing and folding keep these Cyrillic letters' byte lengths.
            if !lower.starts_with(&folded(label)) || lower.len() != trimmed.len() {
                continue;
            }
            let rest = &trimmed[label.len()..];
            let after_sep = rest.trim_start_matches([' ', '\t']);
            let Some(after_sep) = after_sep
                .strip_prefix([':', '-', '–', '—'])
                .or_else(|| (!rest.starts_with(char::is_alphanumeric)).then_some(after_sep))
            else {
                continue;
            };
            let value_start = start + indent + label.len() + (rest.len() - after_sep.len());
            let value = after_sep.trim_start();
            let value_start = value_start + (after_sep.len() - value.len());
            let value = if to_comma {
                value.split([',', ';']).next().unwrap_or("")
            } else {
                value
            };
            let mut value = value.trim_end().to_owned();
            let mut end = value_start + value.len();
            let mut last = body;
            let mut next_start = offset;
            for next in lines.iter().skip(n + 1) {
                let next_body = next.trim_end_matches(['\n', '\r']).trim();
                let labelled_line = next_body
                    .char_indices()
                    .take_while(|(i, _)| *i < 40)
                    .any(|(_, c)| c == ':');
                if to_comma
                    || last.chars().count() < WRAPPED_LINE
                    || next_body.is_empty()
                    || labelled_line
                {
                    break;
                }
                value.push(' ');
                value.push_str(next_body);
                let indent = next.len() - next.trim_start().len();
                end = next_start + indent + next_body.len();
                next_start += next.len();
                last = next_body;
            }
            let trimmed_value = value.trim_end_matches(['.', ';', ',']).trim_end();
            end -= value.len() - trimmed_value.len();
            if trimmed_value.chars().count() >= 2 {
                return Some((value_start..end, trimmed_value.to_owned()));
            }
        }
    }
    None
}

/// Lower case with the Tajik and Uzbek letters a model may read as their Russian
/// neighbours (`қ`→`к`, `ҳ`→`х`, …) folded, so a label matches either way; each
/// letter keeps its byte length.
fn folded(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'қ' => 'к',
            'ҳ' => 'х',
            'ғ' => 'г',
            'ӯ' | 'ў' => 'у',
            'ӣ' => 'и',
            'ҷ' => 'ч',
            c => c,
        })
        .collect()
}

/// The line of the first label of `labels`, as for [`labelled`], and the byte range of
/// the rest of that line.
pub fn labelled_line(text: &str, labels: &[&str]) -> Option<Range<usize>> {
    labelled(text, labels, false).map(|(range, _)| range)
}

/// A person's name as written after a role word: two or three capitalised words
/// (`Каримов Алишер Бахромович`, `Рахимова З. С.`).
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?(?:[ \t]+(?:\p{Lu}\p{Ll}+|\p{Lu}\.[ \t]*\p{Lu}\.|\p{Lu}\.)){1,2}",
    )
});

/// The name at the start of `text`, if it begins with one.
pub fn name_at(text: &str) -> Option<Range<usize>> {
    NAME.find(text).map(|m| m.range())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<T: Clone>(found: Vec<(Range<usize>, T)>) -> Vec<T> {
        found.into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn dates_in_every_written_form() {
        let text = "от 12.03.2024, 12 марта 2024 г., 12 марти соли 2024, «5» мая 1998 года,\n\
                    2024 йил 1 апрелда, 7 декабр 2023 йил, 1968-03-12, 31.02.2024 (no such day)";
        assert_eq!(
            values(dates(text)),
            [
                "2024-03-12",
                "2024-03-12",
                "2024-03-12",
                "1998-05-05",
                "2024-04-01",
                "2023-12-07",
                "1968-03-12"
            ]
        );
        let (range, _) = &dates("Решение от 12 марта 2024 г. вступило")[0];
        assert_eq!(
            &"Решение от 12 марта 2024 г. вступило"[range.clone()],
            "12 марта 2024 г."
        );
    }

    #[test]
    fn amounts_with_regional_separators_and_currencies() {
        let text = "взыскать 700 928 176 сомонӣ и 1 500,50 (одна тысяча пятьсот) сомони,\n\
                    а также 2.500.000 сўм, 12 000 российских рублей, 300 белорусских рублей,\n\
                    $1,250.75, 15 000 тенге, 99 евро, 5000 сом, TJS 42, 10 долларов США";
        let found: Vec<(String, String)> = values(amounts(text))
            .into_iter()
            .map(|a| (a.value, a.currency))
            .collect();
        let expect = [
            ("700928176", "TJS"),
            ("1500.50", "TJS"),
            ("2500000", "UZS"),
            ("12000", "RUB"),
            ("300", "BYN"),
            ("1250.75", "USD"),
            ("15000", "KZT"),
            ("99", "EUR"),
            ("5000", "KGS"),
            ("42", "TJS"),
            ("10", "USD"),
        ];
        let expect: Vec<(String, String)> = expect
            .iter()
            .map(|(v, c)| ((*v).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(found, expect);
        // A date is not a sum.
        assert!(amounts("от 12.03.2024 г.").is_empty());
        assert!(amounts("соли 2025\n").is_empty());
        // Latin codes as a Cyrillic model reads them.
        let misread: Vec<(String, String)> = values(amounts(
            "6 074 КС$, 2 389 ВУК, 897 226 520,37 Ю25, 12 ООО, 5 ДОМ",
        ))
        .into_iter()
        .map(|a| (a.value, a.currency))
        .collect();
        assert_eq!(
            misread,
            [
                ("6074".to_owned(), "KGS".to_owned()),
                ("2389".to_owned(), "BYN".to_owned()),
                ("897226520.37".to_owned(), "UZS".to_owned()),
            ]
        );
    }

    #[test]
    fn case_and_writ_numbers_and_labelled_lines() {
        let text = "ИСПОЛНИТЕЛЬНЫЙ ЛИСТ № ФС-0012/24\nпо делу № 2-345/2024.\nПарвандаи № 3а-17/2023\n\
                    Взыскатель: Каримов Алишер Бахромович, 1985 г.р.\n  Суд - Суди ноҳияи Сино, шаҳри Душанбе.\n";
        assert_eq!(values(case_numbers(text)), ["2-345/2024", "3а-17/2023"]);
        // The sign as the Tajik model misreads it, or left out.
        let misread = "ВАРАҚАИ ИҶРОИЯ ІЮе 9032/19\nПарвандаи Ке 2а-2683/2019\nдело 5-1/2020";
        assert_eq!(values(case_numbers(misread)), ["2а-2683/2019", "5-1/2020"]);
        assert_eq!(writ_number(misread).unwrap().1, "9032/19");
        assert_eq!(
            writ_number("ВАРАҚАИ ИҶРОИЯ ІЮе» ФС-49397").unwrap().1,
            "ФС-49397"
        );
        assert_eq!(writ_number("ИЖРО ВАРАКАСИ № ИЛ-419").unwrap().1, "ИЛ-419");
        assert_eq!(
            labelled("Карор санаси: 25.11.2023", &["қарор санаси"], false)
                .unwrap()
                .1,
            "25.11.2023"
        );
        assert_eq!(
            values(numbers("САНАДИ ҚАЙДИ ТАВАЛЛУД ІЮе 1145, № 12")),
            ["1145", "12"]
        );
        assert_eq!(
            values(numbers("ТАВАЛЛУД Ю 152\nТАВАЛЛУД І 2779")),
            ["152", "2779"]
        );
        // A word after a label is not a number.
        assert!(case_numbers("по делу истца").is_empty());
        assert_eq!(writ_number(text).unwrap().1, "ФС-0012/24");
        let (range, name) = labelled(text, &["взыскатель"], true).unwrap();
        assert_eq!(name, "Каримов Алишер Бахромович");
        assert_eq!(&text[range], name);
        let (_, court) = labelled(text, &["суд"], false).unwrap();
        assert_eq!(court, "Суди ноҳияи Сино, шаҳри Душанбе");
        // A label must be the whole first word: `Судья` is not `Суд`.
        assert!(labelled("Судья Назаров", &["суд"], false).is_none());
        let wrapped = "Предмет исполнения: взыскание алиментов на содержание несовершеннолетнего\n\
                       ребёнка в размере одной четверти\nСумма: 100 сомони\n";
        let (range, subject) = labelled(wrapped, &["предмет исполнения"], false).unwrap();
        assert_eq!(
            subject,
            "взыскание алиментов на содержание несовершеннолетнего ребёнка в размере одной четверти"
        );
        assert!(wrapped[range].ends_with("четверти"));
        let text = "Рахимова З. С., проживающая";
        assert_eq!(&text[name_at(text).unwrap()], "Рахимова З. С.");
        assert_eq!(name_at("проживающая в городе"), None);
    }
}
