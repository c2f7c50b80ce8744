//! Which language a page is in, told from a first reading of it by another language's
//! model: the function words each language uses on every page, compared with the
//! letters Tajik, Uzbek and Russian models read alike folded together, so a Russian
//! page read by the Tajik model (or an Uzbek one, its ў read as ӯ) is still known.

/// Words without content that every page of a language has and the others here do not
/// (Tajik and Uzbek share `ва` and `ҳам`, so neither counts them).
const FUNCTION_WORDS: &[(&str, &[&str])] = &[
    (
        "tgk",
        &[
            "дар",
            "аз",
            "ба",
            "бо",
            "ки",
            "барои",
            "мебошад",
            "шуд",
            "буд",
            "ин",
            "он",
            "то",
            "низ",
            "шудааст",
            "мешавад",
            "намуда",
        ],
    ),
    (
        "rus",
        &[
            "и", "в", "на", "не", "что", "с", "по", "для", "от", "из", "как", "это", "к", "о",
            "его", "при", "или", "был",
        ],
    ),
    (
        "uzb_cyrl",
        &[
            "билан",
            "учун",
            "бу",
            "эди",
            "бўлган",
            "бир",
            "деб",
            "энг",
            "эса",
            "бўйича",
            "қилиш",
            "мумкин",
            "ҳамда",
            "эмас",
            "керак",
            "орқали",
        ],
    ),
    (
        "eng",
        &[
            "the", "of", "and", "to", "in", "is", "that", "for", "was", "with", "on", "as", "by",
            "this", "are", "be",
        ],
    ),
];

/// Letters one Cyrillic model reads for another's: each folded to the letter they share.
fn fold(c: char) -> char {
    match c {
        'ў' | 'ӯ' => 'у',
        'ҳ' => 'х',
        'қ' => 'к',
        'ғ' => 'г',
        'ӣ' => 'и',
        'ҷ' => 'ч',
        'ё' => 'е',
        other => other,
    }
}

fn folded(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(fold)
        .collect()
}

/// The language of `languages` (`tgk+rus+uzb_cyrl+eng`) whose function words a text
/// holds most, when it holds at least three of them and half as many again as any
/// other language's; `None` when the text does not say clearly.
pub fn language_by_words(text: &str, languages: &str) -> Option<String> {
    let candidates: Vec<(&str, Vec<String>)> = languages
        .split('+')
        .filter_map(|language| {
            FUNCTION_WORDS
                .iter()
                .find(|(code, _)| *code == language)
                .map(|(code, words)| (*code, words.iter().map(|w| folded(w)).collect()))
        })
        .collect();
    if candidates.len() < 2 {
        return None;
    }
    let mut hits = vec![0usize; candidates.len()];
    for word in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
    {
        let word = folded(word);
        for (i, (_, words)) in candidates.iter().enumerate() {
            if words.contains(&word) {
                hits[i] += 1;
            }
        }
    }
    let (best, &most) = hits.iter().enumerate().max_by_key(|(_, h)| **h)?;
    let runner_up = hits
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, h)| *h)
        .max()
        .unwrap_or(0);
    (most >= 3 && most * 2 >= runner_up * 3).then(|| candidates[best].0.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &str = "tgk+rus+uzb_cyrl+eng";

    #[track_caller]
    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(language_by_words(text, ALL).as_deref(), expected, "{text}");
    }

    #[test]
    fn pages_are_told_apart_by_their_function_words() {
        check(
            "Қарори Ҳукумати Ҷумҳурии Тоҷикистон дар бораи барномаи рушд барои солҳои 2021-2025 қабул шуд ва он дар амал мебошад",
            Some("tgk"),
        );
        check(
            "Исполнительный лист выдан на основании решения суда по делу о взыскании алиментов с должника",
            Some("rus"),
        );
        check(
            "Ўзбекистон Республикаси Вазирлар Маҳкамасининг қарори билан бу ҳужжат тасдиқланган эди ва у бўйича иш олиб борилади",
            Some("uzb_cyrl"),
        );
        check(
            "The report of the committee was sent to the ministry with a copy for the archive",
            Some("eng"),
        );
    }

    #[test]
    fn a_model_of_another_language_misreading_letters_does_not_hide_the_language() {
        // Uzbek read by the Tajik model: ў as ӯ, and the words still count.
        check(
            "Ӯзбекистон қарори билан бу ҳужжат тасдиқланган эди ва у бӯйича иш олиб борилади учун",
            Some("uzb_cyrl"),
        );
    }

    #[test]
    fn too_little_text_or_no_clear_winner_says_nothing() {
        check("Бойгонӣ 1968", None);
        check("", None);
        assert_eq!(
            language_by_words("the of and to", "eng"),
            None,
            "one language"
        );
    }
}
