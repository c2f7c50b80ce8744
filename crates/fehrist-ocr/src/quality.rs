//! OCR quality measures, scored the way `shared/tools/cer.py` scores them so figures
//! compare: Unicode NFC on both sides, every whitespace run folded to one space.

use unicode_normalization::UnicodeNormalization as _;

fn normalize(text: &str) -> Vec<char> {
    let nfc: String = text.nfc().collect();
    nfc.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect()
}

fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Character edits per reference character (0.0 is perfect; may exceed 1.0).
pub fn character_error_rate(hypothesis: &str, reference: &str) -> f64 {
    let (h, r) = (normalize(hypothesis), normalize(reference));
    levenshtein(&h, &r) as f64 / r.len().max(1) as f64
}

/// Word edits per reference word.
pub fn word_error_rate(hypothesis: &str, reference: &str) -> f64 {
    let words = |t: &str| -> Vec<String> {
        let nfc: String = t.nfc().collect();
        nfc.split_whitespace().map(str::to_owned).collect()
    };
    let (h, r) = (words(hypothesis), words(reference));
    levenshtein(&h, &r) as f64 / r.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(character_error_rate("бойгониҳо", "бойгониҳо"), 0.0);
        assert_eq!(character_error_rate("бойгонихо", "бойгониҳо"), 1.0 / 9.0);
        assert_eq!(character_error_rate("a  b\n c", "a b c"), 0.0);
        // A decomposed ӣ (и + U+0304) is the same text after NFC.
        assert_eq!(character_error_rate("ки\u{0304}", "кӣ"), 0.0);
        assert_eq!(word_error_rate("one two three", "one too three"), 1.0 / 3.0);
        assert_eq!(character_error_rate("", "abcd"), 1.0);
    }
}
