//! Tokenizing Tajik, Russian and Uzbek text for search.
//!
//! A token is a run of letters, digits and combining marks, so a decomposed `ӣ`
//! (`и` + U+0304) stays inside its word. Each token is NFC-normalized, lower-cased and
//! has `ё` folded to `е`. Length is counted in characters and only tokens longer than
//! [`MAX_TOKEN_CHARS`] are dropped: tantivy's default filter counts bytes, which would
//! silently lose a 23-letter Cyrillic word. Offsets point into the original text, so
//! snippets highlight what was actually stored.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// The name the archive analyzer is registered under.
pub(crate) const ARCHIVE_ANALYZER: &str = "fehrist_archive";

/// Longer runs are OCR noise (rules, ornaments) rather than words.
pub const MAX_TOKEN_CHARS: usize = 64;

fn in_word(c: char) -> bool {
    // ASCII and Cyrillic letters are answered without Unicode's tables.
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}')
        || c.is_alphanumeric()
        || is_combining_mark(c)
}

/// The lower case of an ASCII or Cyrillic (U+0400–U+04FF) letter by its block's
/// pattern, or `None` for any other character. Such letters are their own NFC form.
fn simple_lower(c: char) -> Option<char> {
    let code = u32::from(c);
    let lower = match c {
        _ if c.is_ascii() => return Some(c.to_ascii_lowercase()),
        '\u{0400}'..='\u{040F}' => code + 0x50,
        '\u{0410}'..='\u{042F}' => code + 0x20,
        '\u{0430}'..='\u{045F}' => code,
        '\u{0460}'..='\u{0481}' | '\u{048A}'..='\u{04BF}' | '\u{04D0}'..='\u{04FF}' => code | 1,
        '\u{04C0}' => 0x04CF,
        '\u{04C1}'..='\u{04CE}' => code + (code & 1),
        '\u{04CF}' => code,
        _ => return None,
    };
    char::from_u32(lower)
}

/// The normalized form a word is indexed and searched under.
pub fn normalize_word(word: &str) -> String {
    let mut normalized = String::with_capacity(word.len());
    normalize_into(word, &mut normalized);
    normalized
}

/// [`normalize_word`] into `out` (cleared first), reusing its allocation.
pub(crate) fn normalize_into(word: &str, out: &mut String) {
    let fold = |c: char| if c == 'ё' { 'е' } else { c };
    out.clear();
    for c in word.chars() {
        match simple_lower(c) {
            Some(lower) => out.push(fold(lower)),
            None => {
                out.clear();
                out.extend(word.nfc().flat_map(char::to_lowercase).map(fold));
                return;
            }
        }
    }
}

/// A name's words as they are searched: normalized, then Tajik and Uzbek letters
/// written the way Russian transliterates them (`ҷ`→`дж`, `ҳ`→`х`, `қ`→`к`, `ғ`→`г`,
/// `ӣ`→`и`, `ӯ`/`ў`→`у`), so `Раҷабов` finds `Раджабов` and `Ҳакимов` `Хакимов`.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in normalize_word(name).chars() {
        match c {
            'ҷ' => key.push_str("дж"),
            'ҳ' => key.push('х'),
            'қ' => key.push('к'),
            'ғ' => key.push('г'),
            'ӣ' => key.push('и'),
            'ӯ' | 'ў' => key.push('у'),
            c if c.is_alphanumeric() => key.push(c),
            _ => key.push(' '),
        }
    }
    key.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, Default)]
pub struct ArchiveTokenizer {
    token: Token,
}

#[derive(Debug)]
pub struct ArchiveTokenStream<'a> {
    text: &'a str,
    offset: usize,
    token: &'a mut Token,
}

impl Tokenizer for ArchiveTokenizer {
    type TokenStream<'a> = ArchiveTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ArchiveTokenStream<'a> {
        self.token.reset();
        ArchiveTokenStream {
            text,
            offset: 0,
            token: &mut self.token,
        }
    }
}

/// The byte range of the first word of `text` at or after `offset`, skipping words
/// longer than [`MAX_TOKEN_CHARS`]: the tokens of the archive analyzer, unnormalized.
pub(crate) fn next_word(text: &str, mut offset: usize) -> Option<(usize, usize)> {
    loop {
        let from = offset + text[offset..].find(in_word)?;
        let to = text[from..]
            .find(|c| !in_word(c))
            .map_or(text.len(), |len| from + len);
        // A character is at least a byte: only a long run needs counting.
        if to - from <= MAX_TOKEN_CHARS || text[from..to].chars().count() <= MAX_TOKEN_CHARS {
            return Some((from, to));
        }
        offset = to;
    }
}

/// `true` when `word` is ASCII and Cyrillic (U+0400–U+04FF) alone, whose normalized
/// form is exactly as many bytes long: a word that cannot be a term is then known by
/// its length, without normalizing it.
pub(crate) fn normalizes_to_same_length(word: &str) -> bool {
    word.bytes().all(|b| b < 0xC0 || (0xD0..=0xD3).contains(&b))
}

/// `true` when `word`, one that [`normalizes_to_same_length`], normalizes to `term`;
/// compares letter by letter and stops at the first difference.
pub(crate) fn normalizes_to(word: &str, term: &str) -> bool {
    if word.len() != term.len() {
        return false;
    }
    for (w, t) in word.chars().zip(term.chars()) {
        match simple_lower(w) {
            Some(lower) if lower == t || (lower == 'ё' && t == 'е') => {}
            Some(_) => return false,
            // A Cyrillic combining sign: the slow way settles it.
            None => return normalize_word(word) == term,
        }
    }
    true
}

impl TokenStream for ArchiveTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((from, to)) = next_word(self.text, self.offset) else {
            self.offset = self.text.len();
            return false;
        };
        self.offset = to;
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = from;
        self.token.offset_to = to;
        normalize_into(&self.text[from..to], &mut self.token.text);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize)> {
        let mut tokenizer = ArchiveTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    fn check(text: &str, expected: &[&str]) {
        let got: Vec<String> = tokens(text).into_iter().map(|t| t.0).collect();
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn tajik_russian_uzbek() {
        check("Бойгониҳо, ҲУҶҶАТҲО!", &["бойгониҳо", "ҳуҷҷатҳо"]);
        check("Ёқубов ёзди: «Ёлка»", &["еқубов", "езди", "елка"]);
        check(
            "Ўзбекистон ғалла қишлоқ",
            &["ўзбекистон", "ғалла", "қишлоқ"],
        );
        check("№ 2-145/2023 TJS", &["2", "145", "2023", "tjs"]);
    }

    #[test]
    fn decomposed_letters_stay_in_their_word() {
        // кӯҳистонӣ with ӯ and ӣ written as base letter + combining mark.
        let decomposed = "ку\u{0304}ҳистони\u{0304} мактаб";
        check(decomposed, &["кӯҳистонӣ", "мактаб"]);
        let first = &tokens(decomposed)[0];
        assert_eq!(&decomposed[first.1..first.2], "ку\u{0304}ҳистони\u{0304}");
    }

    #[test]
    fn the_quick_path_agrees_with_unicode() {
        let slow = |c: char| -> String {
            c.to_string()
                .nfc()
                .flat_map(char::to_lowercase)
                .map(|c| if c == 'ё' { 'е' } else { c })
                .collect()
        };
        for code in (0..0x80).chain(0x0400..0x0530) {
            let c = char::from_u32(code).unwrap();
            assert_eq!(normalize_word(&c.to_string()), slow(c), "U+{code:04X}");
            assert_eq!(
                in_word(c),
                c.is_alphanumeric() || is_combining_mark(c),
                "U+{code:04X}"
            );
        }
    }

    #[test]
    fn a_word_known_to_keep_its_length_keeps_it() {
        let mut checked = 0;
        for code in (0..0x80)
            .chain(0x0400..0x0530)
            .chain([0x0304, 0x00C9, 0x1E9E])
        {
            let c = char::from_u32(code).unwrap();
            let word = format!("Ж{c}");
            if normalizes_to_same_length(&word) {
                assert_eq!(normalize_word(&word).len(), word.len(), "U+{code:04X}");
                checked += 1;
            }
        }
        assert_eq!(checked, 0x80 + 0x100);
        for word in ["Ҳуҷҷат", "ЁҚУБОВ", "tjs", "Ж\u{0483}", "ӀӁ"] {
            assert!(normalizes_to(word, &normalize_word(word)), "{word}");
        }
        assert!(!normalizes_to("Ҳуҷҷат", "ҳуҷҷот"));
        assert!(!normalizes_to("Ҳуҷҷат", "ҳуҷҷатҳо"));
        assert!(!normalizes_to_same_length("и\u{0304}"));
        assert!(!normalizes_to_same_length("Straße"));
    }

    #[test]
    fn names_match_across_tajik_and_russian_spelling() {
        assert_eq!(name_key("Раҷабов Ҷамшед"), name_key("РАДЖАБОВ  Джамшед"));
        assert_eq!(name_key("Ҳакимова Шаҳноза"), "хакимова шахноза");
        assert_eq!(name_key("Сӯҳроб Фирдавсӣ"), "сухроб фирдавси");
        assert_eq!(name_key("Ўринов, Ғафур"), "уринов гафур");
        assert_ne!(name_key("Каримов"), name_key("Каримова"));
    }

    #[test]
    fn long_cyrillic_words_are_kept() {
        // 30 letters, 60 bytes: tantivy's default 40-byte limit would drop it.
        let long = "высокопревосходительствующими";
        assert!(long.len() > 40);
        check(&format!("а {long} б"), &["а", long, "б"]);
        check(&"я".repeat(MAX_TOKEN_CHARS + 1), &[]);
    }
}
