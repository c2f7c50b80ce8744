//! Web pages over the same API, rendered on the server: search with facets and
//! snippets, a record's page images beside their text, a fond's passport, and a page
//! to verify a document. Interface strings in Tajik, Russian and English (`?lang=`).
//! The token is given once on the sign-in page and kept in a same-site cookie.

use std::fmt::Write as _;

use axum::Form;
use axum::extract::{ConnectInfo, Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use fehrist_index::SearchRequest;
use fehrist_model::{AccessLevel, FieldValue, Manifest};
use fehrist_service::wire::{FacetCount, SearchAnswer};
use fehrist_service::{ServiceError, now_rfc3339};
use serde::Deserialize;

use crate::api::visible_record;
use crate::html::escape;
use crate::{AppState, Caller, Problem};

/// The interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Tg,
    Ru,
    En,
}

impl Lang {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Tg => "tg",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// From `?lang=`, else the browser's first of Tajik, Russian, English.
    pub(crate) fn choose(asked: Option<&str>, headers: &HeaderMap) -> Lang {
        let pick = |code: &str| match code {
            "tg" => Some(Lang::Tg),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        };
        if let Some(lang) = asked.and_then(pick) {
            return lang;
        }
        if let Some(lang) = cookie_value(headers, "fehrist_lang").and_then(pick) {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|accepted| {
                accepted
                    .split(',')
                    .filter_map(|part| pick(part.split(';').next()?.trim().get(..2)?))
                    .next()
            })
            .unwrap_or(Lang::Tg)
    }

    /// The language a request asks for by its `?lang=` (else the one the browser
    /// chose before, else its Accept-Language).
    pub(crate) fn of_request(uri: &axum::http::Uri, headers: &HeaderMap) -> Lang {
        Lang::choose(asked_lang(uri), headers)
    }

    /// The cookie that remembers a language chosen by `?lang=`, when the browser does
    /// not remember it already: a year, on every page of this site.
    pub(crate) fn remembered(
        uri: &axum::http::Uri,
        headers: &HeaderMap,
    ) -> Option<header::HeaderValue> {
        let asked = asked_lang(uri)?;
        let lang = Lang::choose(Some(asked), headers);
        (lang.code() == asked && cookie_value(headers, "fehrist_lang") != Some(asked))
            .then(|| cookie("fehrist_lang", lang.code(), "/", 31_536_000, headers))
    }

    /// "N pages found", the noun in the form the number asks for (Tajik keeps it
    /// singular after a numeral; Russian has three forms).
    fn pages_found(self, n: usize) -> String {
        match self {
            Lang::Tg => format!("{n} саҳифа ёфт шуд"),
            Lang::Ru => {
                let noun = match (n % 10, n % 100) {
                    (1, rest) if rest != 11 => "страница",
                    (2..=4, rest) if !(12..=14).contains(&rest) => "страницы",
                    _ => "страниц",
                };
                format!("Найдено: {n} {noun}")
            }
            Lang::En if n == 1 => "1 page found".to_owned(),
            Lang::En => format!("{n} pages found"),
        }
    }

    /// A facet's value as a reader says it (`open` → «открытый»): access levels,
    /// languages, document types and categories the registry knows; any other value
    /// (a court's name, a currency code, a fond) as it is.
    pub(crate) fn value(self, facet: &str, value: &str) -> String {
        let key = match facet {
            "access" | "language" | "document_type" | "pipeline" => format!("{facet}:{value}"),
            _ => return value.to_owned(),
        };
        match self.t(&key) {
            "?" => value.to_owned(),
            label => label.to_owned(),
        }
    }

    /// An amount as this language writes it: digits grouped by thousands (no-break
    /// spaces and a decimal comma in Tajik and Russian, commas and a point in English),
    /// and the currency by its name there (`8756` TJS → «8 756 сомони», `TJS 8,756`).
    /// A value that is not a plain number is kept as it is.
    fn amount(self, value: &str, currency: &str) -> String {
        let (whole, fraction) = match value.split_once(['.', ',']) {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (value, None),
        };
        let plain = |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        let number = if plain(whole) && fraction.is_none_or(plain) {
            let (group, point) = match self {
                Lang::En => (",", "."),
                Lang::Tg | Lang::Ru => ("\u{a0}", ","),
            };
            let digits: Vec<char> = whole.chars().collect();
            let mut grouped = String::new();
            for (i, digit) in digits.iter().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    grouped.push_str(group);
                }
                grouped.push(*digit);
            }
            match fraction {
                Some(fraction) => format!("{grouped}{point}{fraction}"),
                None => grouped,
            }
        } else {
            value.to_owned()
        };
        if self == Lang::En {
            return format!("{currency}\u{a0}{number}");
        }
        match self.t(&format!("currency:{currency}")) {
            "?" => format!("{number}\u{a0}{currency}"),
            name => format!("{number}\u{a0}{name}"),
        }
    }

    /// The interface string for `key` in this language.
    pub(crate) fn t(self, key: &str) -> &'static str {
        let (tg, ru, en) = match key {
            "title" => (
                "Феҳрист — феҳристи ягонаи бойгониҳо",
                "Фехрист — единый реестр архивов",
                "Fehrist — the single archive registry",
            ),
            "search" => ("Ҷустуҷӯ", "Поиск", "Search"),
            "query" => (
                "Калимаҳо барои ҷустуҷӯ",
                "Слова для поиска",
                "Words to find",
            ),
            "nothing" => ("Ҳеҷ чиз ёфт нашуд", "Ничего не найдено", "Nothing found"),
            "filters" => ("Филтрҳо", "Фильтры", "Filters"),
            "document_type" => ("Навъи ҳуҷҷат", "Тип документа", "Document type"),
            "court" => ("Суд", "Суд", "Court"),
            "currency" => ("Асъор", "Валюта", "Currency"),
            "pipeline" => ("Категория", "Категория", "Category"),
            "language" => ("Забон", "Язык", "Language"),
            "access" => ("Дастрасӣ", "Доступ", "Access"),
            "fond" => ("Фонд", "Фонд", "Fond"),
            "fonds" => ("Фондҳо", "Фонды", "Fonds"),
            "crumbs" => ("Ҷойи шумо", "Вы здесь", "You are here"),
            "inventory" => ("Рӯйхати", "Опись", "Inventory"),
            "file" => ("Парванда", "Дело", "File"),
            "file_title" => ("Номгӯй", "Заголовок", "Title"),
            "dates" => ("Солҳо", "Даты", "Dates"),
            "sheet" => ("Варақ", "Лист", "Sheet"),
            "scan_of_sheet" => ("Скани варақи", "Скан листа", "Scan of sheet"),
            "unread" => (
                "Матни ин варақ хонда нашуд; скани он нигоҳ дошта шудааст",
                "Текст этого листа не удалось прочитать; его скан сохранён",
                "This sheet's text could not be read; its scan is kept",
            ),
            "record" => ("Парванда", "Дело", "Record"),
            "fields" => ("Маълумоти ҳуҷҷат", "Сведения документа", "Document fields"),
            "correct" => (
                "Ислоҳ кардани сабт",
                "Исправить запись",
                "Correct this record",
            ),
            "correct_help" => (
                "Ислоҳ версияи нави имзошудаи парванда мешавад; версияи ҳозира боқӣ мемонад.",
                "Исправление станет новой подписанной версией дела; нынешняя версия сохранится.",
                "A correction becomes a new signed version of the file; this version is kept.",
            ),
            "edit_field" => ("Майдон", "Поле", "Field"),
            "edit_value" => ("Қимати нав", "Новое значение", "New value"),
            "edit_remove" => (
                "Майдонро нест кардан (нодуруст хонда шуд, дар варақ нест)",
                "Удалить поле (прочитано неверно, его нет на листе)",
                "Remove the field (read wrongly, not on the sheet)",
            ),
            "edit_reason" => (
                "Сабаб (бо версия нигоҳ дошта мешавад)",
                "Причина (хранится в версии)",
                "Why (kept with the version)",
            ),
            "edit_save" => (
                "Ҳамчун версияи нав имзо кардан",
                "Подписать как новую версию",
                "Sign as a new version",
            ),
            "passport" => ("Шиносномаи фонд", "Паспорт фонда", "Fond passport"),
            "fond_title" => ("Номи фонд", "Название фонда", "Title"),
            "creator" => ("Фондсоз", "Фондообразователь", "Creator"),
            "condition" => (
                "Ҳолати ҷисмонӣ",
                "Физическое состояние",
                "Physical condition",
            ),
            "condition:good" => ("хуб", "хорошее", "good"),
            "condition:fair" => ("қаноатбахш", "удовлетворительное", "fair"),
            "condition:poor" => ("бад", "плохое", "poor"),
            "condition:damaged" => ("вайроншуда", "повреждено", "damaged"),
            "of_declared" => ("аз", "из", "of"),
            "declared_note" => (
                "Рақами дуюм он аст, ки бойгонӣ дар фонд эълон кардааст.",
                "Второе число — сколько архив заявил в фонде.",
                "The second number is what the archive declared of the fond.",
            ),
            "files" => ("Парвандаҳо", "Дела", "Files"),
            "sheets" => ("Варақҳо", "Листы", "Sheets"),
            "inventories" => ("Рӯйхатҳо", "Описи", "Inventories"),
            "verify" => ("Санҷиши ҳуҷҷат", "Проверка документа", "Verify a document"),
            "verify_help" => (
                "Файлро интихоб кунед: оё он нусхаи сабтшуда ва бетағйир аст? \
                 Ё далели сабтро (.json), ки аз бойгонӣ гирифтаед.",
                "Выберите файл: зарегистрирован ли он и не изменён ли? \
                 Или доказательство регистрации (.json), полученное из архива.",
                "Choose a file: is it a registered original, unchanged? \
                 Or an evidence bundle (.json) the archive gave you.",
            ),
            "bundle_ok" => (
                "Далел дуруст аст: сабт дар журнал ҳаст ва имзояш санҷида шуд",
                "Доказательство подлинно: запись есть в журнале, подпись проверена",
                "The evidence holds: the record is in the log and its signature checks",
            ),
            "bundle_bad" => (
                "Далел тасдиқ нашуд",
                "Доказательство не подтверждено",
                "The evidence does not hold",
            ),
            "unchanged" => (
                "Бетағйир: ин файл дар феҳрист сабт шудааст",
                "Без изменений: файл зарегистрирован в реестре",
                "Unchanged: this file is registered",
            ),
            "not_registered" => (
                "Ин файл дар феҳрист нест",
                "Этого файла нет в реестре",
                "This file is not registered",
            ),
            "verify_sheets" => ("варақҳо", "листы", "sheets"),
            "verify_registered" => ("сабт шудааст", "зарегистрирован", "registered"),
            "verify_signed" => ("имзо:", "подпись:", "signed by"),
            "verify_leaf" => ("сабти журнал №", "запись журнала №", "log entry"),
            "changed" => (
                "Сабт тағйир ёфтааст",
                "Запись изменена",
                "The record has changed",
            ),
            "sign_in" => ("Ворид шудан", "Войти", "Sign in"),
            "sign_out" => ("Баромадан", "Выйти", "Sign out"),
            "export_csv" => (
                "Натиҷаҳо ҳамчун CSV (то 1000)",
                "Скачать результаты в CSV (до 1000)",
                "Download the hits as CSV (up to 1,000)",
            ),
            "quarantine" => (
                "Карантин: вурудоти радшуда ва варақҳои хонданашуда",
                "Карантин: отклонённые файлы и непрочитанные листы",
                "Quarantine: refused inputs and unread sheets",
            ),
            "q_refused" => ("Радшуда", "Отклонено", "Refused"),
            "q_unread" => (
                "Варақҳои хонданашуда",
                "Непрочитанных листов",
                "Sheets unread",
            ),
            "q_when" => ("Кай", "Когда", "When"),
            "q_path" => ("Файл", "Файл", "File"),
            "q_reason" => ("Сабаб", "Причина", "Reason"),
            "q_station" => (
                "Истгоҳ / корманд",
                "Станция / оператор",
                "Station / operator",
            ),
            "more_filters" => ("Филтрҳои дигар", "Ещё фильтры", "More filters"),
            "active_filters" => (
                "Филтрҳои интихобшуда",
                "Выбранные фильтры",
                "Active filters",
            ),
            "remove" => ("Бекор кардан:", "Убрать:", "Remove"),
            "f_name" => ("Ном", "Имя", "Name"),
            "f_case" => ("Рақами парванда", "Номер дела", "Case number"),
            "f_from" => ("Аз сана", "С даты", "From"),
            "f_to" => ("То сана", "По дату", "To"),
            "f_amount_min" => ("Маблағ аз", "Сумма от", "Amount from"),
            "f_amount_max" => ("Маблағ то", "Сумма до", "Amount to"),
            "f_sort" => ("Тартиб", "Порядок", "Order"),
            "sort:relevance" => ("аз рӯи мувофиқат", "по релевантности", "best match"),
            "sort:newest" => ("аввал навтарин", "сначала новые", "newest first"),
            "sort:oldest" => ("аввал кӯҳнатарин", "сначала старые", "oldest first"),
            "error_not_found" => (
                "Ёфт нашуд (ё ба шумо дастрас нест)",
                "Не найдено (или недоступно вам)",
                "Not found (or not open to you)",
            ),
            "error_bad_request" => (
                "Дархост фаҳмо нест",
                "Запрос не понят",
                "The request is not understood",
            ),
            "error_forbidden" => (
                "Ба шумо иҷозат нест",
                "Вам это не разрешено",
                "Not allowed for you",
            ),
            "error_too_large" => (
                "Файл хеле калон аст",
                "Файл слишком велик",
                "The file is too large",
            ),
            "error_too_many" => (
                "Дархостҳо хеле зиёданд; баъдтар кӯшиш кунед",
                "Слишком много запросов; попробуйте позже",
                "Too many requests; try again later",
            ),
            "error_internal" => (
                "Феҳрист ҷавоб дода натавонист; хато сабт шуд",
                "Реестр не смог ответить; ошибка записана",
                "The registry could not answer; the error is logged",
            ),
            "back_to_search" => ("Ба ҷустуҷӯ", "К поиску", "Back to search"),
            "session_ended" => (
                "Ҷаласа ба охир расид: воридшавӣ 8 соат амал мекунад. Барои идома боз ворид шавед.",
                "Сеанс завершён: вход действует 8 часов. Войдите снова, чтобы продолжить.",
                "Your session has ended: a sign-in lasts 8 hours. Sign in again to go on.",
            ),
            "token_refused" => (
                "Ин калид қабул нашуд: нодуруст аст, мӯҳлаташ гузаштааст ё бекор шудааст. \
                 Аз маъмур калиди нав пурсед.",
                "Этот ключ не принят: он неверен, истёк или отозван. \
                 Попросите у администратора новый.",
                "This token was not accepted: it is wrong, expired or revoked. \
                 Ask your administrator for a new one.",
            ),
            "token" => (
                "Калиди дастрасӣ (token)",
                "Ключ доступа (token)",
                "Access token",
            ),
            "pdf" => ("PDF-и ҷустуҷӯшаванда", "PDF с текстом", "Searchable PDF"),
            "evidence" => (
                "Далелҳо барои санҷиш",
                "Доказательства для проверки",
                "Evidence bundle",
            ),
            "iiif_manifest" => ("Манифести IIIF", "Манифест IIIF", "IIIF manifest"),
            "zoom_in" => ("Калон кардан", "Увеличить", "Zoom in"),
            "zoom_out" => ("Хурд кардан", "Уменьшить", "Zoom out"),
            "whole_sheet" => ("Тамоми варақ", "Весь лист", "Whole sheet"),
            "full_screen" => ("Экрани пурра", "Во весь экран", "Full screen"),
            "found_on_sheet" => (
                "Дар варақ ёфт шуд",
                "Найдено на листе",
                "Found on this sheet",
            ),
            "master" => ("Скани аслӣ", "Исходный скан", "Master scan"),
            "text" => ("Матн", "Текст", "Text"),
            "next" => ("Саҳифаи навбатӣ", "Следующая страница", "Next page"),
            "field:court" => ("Суд", "Суд", "Court"),
            "field:case_number" => ("Рақами парванда", "Номер дела", "Case number"),
            "field:case_numbers" => ("Рақамҳои парванда", "Номера дел", "Case numbers"),
            "field:decision_date" => ("Санаи қарор", "Дата решения", "Decision date"),
            "field:writ_number" => (
                "Рақами варақаи иҷро",
                "Номер исполнительного листа",
                "Writ number",
            ),
            "field:claimant" => ("Даъвогар", "Взыскатель", "Claimant"),
            "field:debtor" => ("Қарздор", "Должник", "Debtor"),
            "field:persons" => ("Шахсон", "Лица", "Persons"),
            "field:subject" => ("Мавзӯъ", "Предмет", "Subject"),
            "field:amounts" => ("Маблағҳо", "Суммы", "Amounts"),
            "field:dates" => ("Санаҳо", "Даты", "Dates"),
            "field:document_numbers" => {
                ("Рақамҳои ҳуҷҷат", "Номера документов", "Document numbers")
            }
            "field:enforcement_office" => ("Шӯъбаи иҷро", "Отдел исполнения", "Enforcement office"),
            "version" => ("Нусхаи", "Версия", "Version"),
            "of" => ("аз", "из", "of"),
            "current" => ("ҷорӣ", "текущая", "current"),
            "edited" => ("Ислоҳ кард", "Исправил", "Edited by"),
            "rescanned" => ("Аз нав скан шуд", "Пересканировано", "Re-scanned"),
            "newer" => (
                "Нусхаи ҷорӣ дигар аст",
                "Текущая версия другая",
                "The current version is another",
            ),
            "currency:TJS" => ("сомонӣ", "сомони", "TJS"),
            "currency:USD" => ("доллари ИМА", "долл. США", "USD"),
            "currency:RUB" => ("рубли Русия", "росс. руб.", "RUB"),
            "currency:BYN" => ("рубли Беларус", "бел. руб.", "BYN"),
            "currency:UZS" => ("сӯми Ӯзбекистон", "узб. сум", "UZS"),
            "currency:KGS" => ("соми Қирғизистон", "кирг. сом", "KGS"),
            "currency:KZT" => ("тенгеи Қазоқистон", "тенге", "KZT"),
            "currency:EUR" => ("евро", "евро", "EUR"),
            "access:open" => ("кушода", "открытый", "open"),
            "access:internal" => ("хизматӣ", "служебный", "internal"),
            "access:restricted" => (
                "маҳдуд (маълумоти шахсӣ)",
                "ограниченный (персональные данные)",
                "restricted (personal data)",
            ),
            "access:secret" => ("махфӣ", "секретный", "secret"),
            "language:tgk" => ("тоҷикӣ", "таджикский", "Tajik"),
            "language:rus" => ("русӣ", "русский", "Russian"),
            "language:uzb_cyrl" => (
                "ӯзбекӣ (кириллӣ)",
                "узбекский (кириллица)",
                "Uzbek (Cyrillic)",
            ),
            "language:uzb" => ("ӯзбекӣ (лотинӣ)", "узбекский (латиница)", "Uzbek (Latin)"),
            "language:eng" => ("англисӣ", "английский", "English"),
            "document_type:writ" => ("варақаи иҷро", "исполнительный лист", "writ of execution"),
            "document_type:decision" => ("қарори суд", "решение суда", "court decision"),
            "document_type:certificate" => ("маълумотнома", "справка", "certificate"),
            "document_type:unstated" => ("нишон дода нашудааст", "не указан", "not stated"),
            "pipeline:default" => ("умумӣ", "общая", "general"),
            "pipeline:executive-documents" => (
                "ҳуҷҷатҳои иҷроия",
                "исполнительные документы",
                "executive documents",
            ),
            "pipeline:civil-registry" => (
                "санадҳои ҳолати шаҳрвандӣ",
                "акты гражданского состояния",
                "civil registry",
            ),
            "pipeline:education-science" => (
                "маориф ва илм",
                "образование и наука",
                "education and science",
            ),
            "pipeline:health" => ("тандурустӣ", "здравоохранение", "health"),
            "pipeline:intellectual-property" => (
                "моликияти зеҳнӣ",
                "интеллектуальная собственность",
                "intellectual property",
            ),
            "pipeline:labour-social" => (
                "меҳнат ва ҳифзи иҷтимоӣ",
                "труд и соцзащита",
                "labour and social",
            ),
            "pipeline:land-property" => {
                ("замин ва амвол", "земля и имущество", "land and property")
            }
            "pipeline:notary" => ("нотариат", "нотариат", "notary"),
            "pipeline:permits-registrations" => (
                "иҷозатномаҳо ва бақайдгирӣ",
                "разрешения и регистрации",
                "permits and registrations",
            ),
            _ => ("?", "?", "?"),
        };
        match self {
            Lang::Tg => tg,
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

/// The vendored viewer's file under `/ui/assets/` (its version in the name, so a new
/// one is never taken from a cache).
const OPENSEADRAGON: &str = "openseadragon-6.1.1.min.js";

/// The record page's scripts, served by the binary itself: no CDN, no build step.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    let body: &'static [u8] = match name.as_str() {
        OPENSEADRAGON => include_bytes!("../assets/openseadragon/openseadragon.min.js"),
        "viewer.js" => include_bytes!("../assets/viewer.js"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// A query-string value.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => {
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',sans-serif;margin:0;color:#1d1d1d}\
header{background:#1f4e79;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}\
header a{color:#fff}details.more{margin:.5em 0}details.more .fields{display:flex;flex-wrap:wrap;gap:.6em 1.2em;margin-top:.5em}ul.chips{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5em}ul.chips li{background:#e8eef5;border-radius:1em;padding:.15em .7em}ul.chips a{text-decoration:none;font-weight:bold}nav.crumbs{margin:.2em 0 .8em}form.sign-out,a.sign-in{margin-left:auto}main{padding:1em 1.2em;max-width:80em}form.search input[type=search]{width:28em;max-width:80vw;font-size:1.05em;padding:.3em}\
.layout{display:flex;gap:2em;align-items:flex-start}aside{min-width:14em}aside h3{font-size:.95em;margin:.8em 0 .2em}\
aside ul{list-style:none;padding:0;margin:0}li.hit{margin:.9em 0}li.hit a.title{font-weight:bold}li.hit .meta{color:#555;font-size:.9em}mark{background:#ffe27a}\
.sheet{display:flex;gap:1.5em;margin:1.5em 0;align-items:flex-start}.sheet .scan{width:50%;max-width:44em;flex:none}.viewer{height:70vh;min-height:20em;border:1px solid #aaa;background:#f4f4f4}.viewer img{width:100%}\
.zoom{display:flex;flex-wrap:wrap;gap:.4em;margin:.4em 0}.zoom button{min-width:2.4em;min-height:2.2em}.hit-box{outline:3px solid #d62d20;background:rgba(255,226,122,.35)}\
nav.thumbs{display:flex;flex-wrap:wrap;gap:.5em;margin:1em 0}nav.thumbs img{height:100px;border:1px solid #aaa}li.hit{display:flex;gap:.8em;align-items:flex-start}li.hit img.thumb{width:72px;max-height:100px;object-fit:contain;border:1px solid #ccc;flex:none}\
.sheet pre{white-space:pre-wrap;flex:1;font-size:.9em}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}\
.ok{color:#17612b;font-weight:bold}.bad{color:#a4161a;font-weight:bold}details.facets summary{cursor:pointer}details.facets summary h2{display:inline;font-size:1.3em}ol.hits{padding-left:0;list-style:none}\
@media (max-width:40em){.layout{flex-direction:column;gap:1em}aside{min-width:0}.sheet{flex-direction:column}.sheet .scan{width:100%}.viewer{height:60vh}main{padding:.8em}a{overflow-wrap:anywhere}table.files{display:block;overflow-x:auto;max-width:100%}table.passport th,table.passport td{display:block}table.passport th{border-bottom:0;padding-bottom:0}}";

fn page(lang: Lang, title: &str, body: &str, caller: &Caller) -> Html<String> {
    page_keeping(lang, title, body, "", caller)
}

/// A page whose language links keep `kept` (`&q=…&fond=…`, already escaped for a query
/// string): switching the language does not lose the search. A signed-in caller is
/// offered sign-out, anyone else sign-in.
fn page_keeping(lang: Lang, title: &str, body: &str, kept: &str, caller: &Caller) -> Html<String> {
    let tail = if caller.is_anonymous() {
        format!(
            "<a class=\"sign-in\" href=\"/ui/login?lang={}\">{}</a>",
            lang.code(),
            lang.t("sign_in")
        )
    } else {
        format!(
            "<form class=\"sign-out\" method=\"post\" action=\"/ui/logout\">\
             <input type=\"hidden\" name=\"lang\" value=\"{}\"><button type=\"submit\">{}</button></form>",
            lang.code(),
            lang.t("sign_out")
        )
    };
    framed(lang, title, body, &tail, kept)
}

/// A page with the header's links and `tail` at the header's end; its language links
/// keep `kept`.
fn framed(lang: Lang, title: &str, body: &str, tail: &str, kept: &str) -> Html<String> {
    let switch: String = [Lang::Tg, Lang::Ru, Lang::En]
        .iter()
        .map(|l| {
            format!(
                "<a href=\"?lang={0}{1}\" lang=\"{0}\">{0}</a>",
                l.code(),
                escape(kept)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><strong>{brand}</strong><a href=\"/ui/search?lang={code}\">{search}</a>\
         <a href=\"/ui/fonds?lang={code}\">{fonds}</a><a href=\"/ui/verify?lang={code}\">{verify}</a>\
         <span>{switch}</span>{tail}</header>\
         <main>{body}</main></body></html>\n",
        code = lang.code(),
        title = escape(title),
        brand = escape(lang.t("title")),
        search = lang.t("search"),
        verify = lang.t("verify"),
        fonds = lang.t("fonds"),
    ))
}

/// Whether the browser reached the service over TLS, as the TLS proxy in front of it
/// says (`X-Forwarded-Proto: https`): its cookies are then `Secure`. A client that
/// claims it falsely only keeps its own cookies from being sent.
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// How long a sign-in lasts (the token cookie's age), and the cookie that outlives it
/// to tell a lapsed session from a first visit.
const SESSION_SECONDS: u32 = 8 * 3600;
const SIGNED_IN: &str = "fehrist_signed_in";
const SIGNED_IN_SECONDS: u32 = 30 * 24 * 3600;

/// A cookie only this site's pages send, over TLS only when served so.
fn cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: u32,
    headers: &HeaderMap,
) -> header::HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
        .parse()
        .expect("a cookie header")
}

/// The sign-in page, answered (401) to a browser without a valid token, saying so when
/// the browser brought one that was `refused` (wrong, expired or revoked). The form
/// carries a fresh token that must come back both in the form and in a cookie only
/// this site can set (double submit), so another site cannot sign a browser in.
pub(crate) fn sign_in_page(lang: Lang, headers: &HeaderMap, refused: bool) -> Response {
    let mut random = [0u8; 16];
    if getrandom::fill(&mut random).is_err() {
        return Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no randomness for the form",
        )
        .into_response();
    }
    let csrf: String = random.iter().map(|b| format!("{b:02x}")).collect();
    // A browser that signed in and whose token cookie has since lapsed is told so,
    // not shown the form as if it had never been here.
    let ended =
        !refused && crate::bearer(headers).is_none() && cookie_value(headers, SIGNED_IN).is_some();
    let refusal = match (refused, ended) {
        (true, _) => format!(
            "<p class=\"bad\" role=\"alert\">{}</p>",
            lang.t("token_refused")
        ),
        (false, true) => format!(
            "<p class=\"bad\" role=\"alert\">{}</p>",
            lang.t("session_ended")
        ),
        (false, false) => String::new(),
    };
    let body = format!(
        "<h1>{}</h1>{refusal}<form method=\"post\" action=\"/ui/login\"><label>{} \
         <input type=\"password\" name=\"token\" autocomplete=\"off\" required></label> \
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"> \
         <input type=\"hidden\" name=\"lang\" value=\"{}\"> \
         <button type=\"submit\">{}</button></form>",
        lang.t("sign_in"),
        lang.t("token"),
        lang.code(),
        lang.t("sign_in")
    );
    let mut response = (
        StatusCode::UNAUTHORIZED,
        framed(lang, lang.t("sign_in"), &body, "", ""),
    )
        .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie("fehrist_csrf", &csrf, "/ui/login", 3600, headers),
    );
    response
}

/// A problem answer (`application/problem+json`) as a page in the reader's language,
/// its status kept and its detail shown; any other answer as it is.
pub(crate) async fn problem_as_page(lang: Lang, caller: &Caller, response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    if !is_problem {
        return response;
    }
    let status = response.status();
    let detail = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|problem| problem["detail"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let title = lang.t(match status.as_u16() {
        404 => "error_not_found",
        400 | 422 => "error_bad_request",
        403 => "error_forbidden",
        413 => "error_too_large",
        429 => "error_too_many",
        _ => "error_internal",
    });
    // A refused request's detail says what to change (in English, as the API says
    // it); a missing or failed one's adds nothing to its title.
    let detail = if status == StatusCode::NOT_FOUND || status.is_server_error() {
        String::new()
    } else {
        format!("<p lang=\"en\">{}</p>", escape(&detail))
    };
    let body = format!(
        "<h1 class=\"bad\" role=\"alert\">{}</h1>{detail}<p><a href=\"/ui/search?lang={}\">{}</a></p>",
        escape(title),
        lang.code(),
        lang.t("back_to_search")
    );
    (status, page(lang, title, &body, caller)).into_response()
}

/// Signs the browser out: its token cookie is cleared, and the sign-in page shown in
/// the language it was in. (Audited as every signed-in request is.)
pub(crate) async fn sign_out(headers: HeaderMap, Form(form): Form<SignOut>) -> Response {
    let lang = Lang::choose(Some(&form.lang), &headers);
    let mut response = Redirect::to(&format!("/ui/login?lang={}", lang.code())).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie("fehrist_token", "", "/", 0, &headers),
    );
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie(SIGNED_IN, "", "/", 0, &headers));
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignOut {
    #[serde(default)]
    lang: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignIn {
    token: String,
    #[serde(default)]
    csrf: String,
    /// The language the sign-in page was shown in, kept after signing in.
    #[serde(default)]
    lang: String,
}

/// A request's `?lang=`.
fn asked_lang(uri: &axum::http::Uri) -> Option<&str> {
    uri.query()
        .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("lang=")))
}

/// The value of the cookie `name` the browser sent.
fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

/// The sign-in form's own token, as the browser's cookie holds it.
fn csrf_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, "fehrist_csrf")
}

/// Keeps the token in a cookie only this site's pages send, then goes to search. Every
/// attempt is audited, and a client's attempts with no valid token count against its
/// share of anonymous requests, so tokens cannot be guessed at speed. A form that did
/// not come from this site's sign-in page (its token and cookie differ, or the browser
/// says the post is cross-site) is refused, and counts as a failed attempt.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let ours = !form.csrf.is_empty() && csrf_cookie(&headers) == Some(form.csrf.as_str());
    if cross_site || !ours {
        if let Err(refused) = state.audit_sign_in(client.ip(), "").await {
            return refused;
        }
        let lang = Lang::choose(Some(&form.lang), &headers);
        let mut refused = sign_in_page(lang, &headers, false);
        *refused.status_mut() = StatusCode::FORBIDDEN;
        return refused;
    }
    let token: String = form
        .token
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if let Err(refused) = state.audit_sign_in(client.ip(), &token).await {
        return refused;
    }
    let lang = Lang::choose(Some(&form.lang), &headers);
    let mut response = Redirect::to(&format!("/ui/search?lang={}", lang.code())).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie("fehrist_token", &token, "/", SESSION_SECONDS, &headers),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(SIGNED_IN, "1", "/", SIGNED_IN_SECONDS, &headers),
    );
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct UiSearch {
    #[serde(default)]
    q: String,
    lang: Option<String>,
    fond: Option<String>,
    #[serde(rename = "type")]
    document_type: Option<String>,
    court: Option<String>,
    currency: Option<String>,
    pipeline: Option<String>,
    language: Option<String>,
    access: Option<String>,
    /// Every word of a name, in Tajik or Russian spelling.
    name: Option<String>,
    #[serde(rename = "case")]
    case_number: Option<String>,
    /// Days, `YYYY-MM-DD`, as a date field sends them.
    from: Option<String>,
    to: Option<String>,
    amount_min: Option<String>,
    amount_max: Option<String>,
    /// `relevance`, `newest` or `oldest`.
    sort: Option<String>,
    /// `csv`: the hits as a spreadsheet, not a page.
    format: Option<String>,
    #[serde(default)]
    offset: usize,
}

/// A snippet with its highlighted character ranges marked.
fn marked(snippet: &str, highlights: &[(usize, usize)]) -> String {
    let mut out = String::new();
    for (i, c) in snippet.chars().enumerate() {
        if highlights.iter().any(|&(from, _)| from == i) {
            out.push_str("<mark>");
        }
        if highlights.iter().any(|&(_, to)| to == i) {
            out.push_str("</mark>");
        }
        out.push_str(&escape(&c.to_string()));
    }
    if highlights
        .iter()
        .any(|&(_, to)| to == snippet.chars().count())
    {
        out.push_str("</mark>");
    }
    out
}

pub(crate) async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(mut params): Query<UiSearch>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    // A file's reference code opens the file (its sheet, for a `/L-n` code).
    let asked = params.q.trim();
    if let Ok(code) = asked.parse::<fehrist_model::RefCode>()
        && let Ok(record) = fehrist_service::visible_record(&state.registry, &caller, asked).await
    {
        let sheet = code
            .sheet()
            .map(|n| format!("#sheet-{n}"))
            .unwrap_or_default();
        return Ok(Redirect::to(&format!(
            "/ui/records/{}?lang={}{sheet}",
            record.manifest.record_id,
            lang.code()
        ))
        .into_response());
    }
    // A field left empty in the form is no filter.
    for value in [
        &mut params.fond,
        &mut params.document_type,
        &mut params.court,
        &mut params.currency,
        &mut params.pipeline,
        &mut params.language,
        &mut params.access,
        &mut params.name,
        &mut params.case_number,
        &mut params.from,
        &mut params.to,
        &mut params.amount_min,
        &mut params.amount_max,
        &mut params.sort,
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    }
    // Best match first is the order a search has unless asked: no filter to remove.
    if params.sort.as_deref() == Some("relevance") {
        params.sort = None;
    }
    // An access level the caller may not see finds nothing, as if none had it.
    let access: Vec<AccessLevel> = params
        .access
        .as_deref()
        .and_then(|a| a.parse::<AccessLevel>().ok())
        .into_iter()
        .collect();
    let amount = |text: &Option<String>| text.as_deref().and_then(|t| t.trim().parse::<f64>().ok());
    const PAGE: usize = 20;
    params.offset = params.offset.min(fehrist_service::MAX_OFFSET);
    let request_at = |offset: usize, limit: usize, facets: bool| SearchRequest {
        query: params.q.clone(),
        fond: params.fond.clone(),
        document_type: params.document_type.clone(),
        court: params.court.clone(),
        currency: params.currency.clone(),
        pipeline: params.pipeline.clone(),
        language: params.language.clone(),
        case_number: params.case_number.clone(),
        name: params.name.clone(),
        access: access.clone(),
        // The caller's clearance picks the index view; the service sets it.
        clearance: None,
        dates_from: params.from.as_deref().and_then(fehrist_index::day_number),
        dates_to: params.to.as_deref().and_then(fehrist_index::day_number),
        amount_from: amount(&params.amount_min),
        amount_to: amount(&params.amount_max),
        sort: params
            .sort
            .as_deref()
            .and_then(|s| fehrist_service::parse_sort(s).ok())
            .unwrap_or_default(),
        offset,
        limit,
        facets,
        ..SearchRequest::default()
    };
    if params.format.as_deref() == Some("csv") {
        return crate::export::hits_csv(&state, &caller, request_at).await;
    }
    let found = match fehrist_service::search(
        &state.registry,
        &caller,
        request_at(params.offset, PAGE, true),
    ) {
        Ok(found) => found,
        // A query the parser cannot read finds nothing, and the page says so.
        Err(ServiceError::Query { .. }) => SearchAnswer {
            total: 0,
            offset: params.offset,
            hits: Vec::new(),
            facets: Default::default(),
        },
        Err(e) => return Err(crate::api::problem(e)),
    };
    // Every filter: its parameter, its label, the facet its values are named by, and
    // its value.
    let filters = [
        ("fond", "fond", "fond", &params.fond),
        (
            "type",
            "document_type",
            "document_type",
            &params.document_type,
        ),
        ("court", "court", "court", &params.court),
        ("currency", "currency", "currency", &params.currency),
        ("pipeline", "pipeline", "pipeline", &params.pipeline),
        ("language", "language", "language", &params.language),
        ("access", "access", "access", &params.access),
        ("name", "f_name", "", &params.name),
        ("case", "f_case", "", &params.case_number),
        ("from", "f_from", "", &params.from),
        ("to", "f_to", "", &params.to),
        ("amount_min", "f_amount_min", "", &params.amount_min),
        ("amount_max", "f_amount_max", "", &params.amount_max),
        ("sort", "f_sort", "sort", &params.sort),
    ];
    // The current search as a query string, with one filter set or removed.
    let link = |set: Option<(&str, Option<&str>)>, offset: usize| {
        let mut query = format!("/ui/search?lang={}&q={}", lang.code(), encode(&params.q));
        for (name, _, _, value) in filters {
            let value = match set {
                Some((changed, new)) if changed == name => new.map(str::to_owned),
                _ => value.clone(),
            };
            if let Some(value) = value {
                let _ = write!(query, "&{name}={}", encode(&value));
            }
        }
        if offset > 0 {
            let _ = write!(query, "&offset={offset}");
        }
        query
    };
    let field = |name: &str, label: &str, kind: &str, value: &Option<String>| {
        format!(
            "<label>{} <input type=\"{kind}\" name=\"{name}\" value=\"{}\"{}></label>",
            lang.t(label),
            escape(value.as_deref().unwrap_or("")),
            if kind == "number" {
                " step=\"any\" min=\"0\""
            } else {
                ""
            }
        )
    };
    let kept: String = filters[..7]
        .iter()
        .filter_map(|(name, _, _, value)| {
            value.as_ref().map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    escape(v)
                )
            })
        })
        .collect();
    let sort_options: String = ["relevance", "newest", "oldest"]
        .iter()
        .map(|option| {
            format!(
                "<option value=\"{option}\"{}>{}</option>",
                if params.sort.as_deref().unwrap_or("relevance") == *option {
                    " selected"
                } else {
                    ""
                },
                lang.t(&format!("sort:{option}"))
            )
        })
        .collect();
    let more_given = filters[7..13].iter().any(|(_, _, _, v)| v.is_some());
    let mut body = format!(
        "<h1>{}</h1><form class=\"search\" method=\"get\" action=\"/ui/search\" role=\"search\">\
         <input type=\"hidden\" name=\"lang\" value=\"{}\">{kept}\
         <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"{}\" aria-label=\"{}\"> \
         <button type=\"submit\">{}</button>\
         <details class=\"more\"{}><summary>{}</summary><div class=\"fields\">{}{}{}{}{}{}\
         <label>{} <select name=\"sort\">{sort_options}</select></label></div></details></form>",
        lang.t("search"),
        lang.code(),
        escape(&params.q),
        lang.t("query"),
        lang.t("query"),
        lang.t("search"),
        if more_given { " open" } else { "" },
        lang.t("more_filters"),
        field("name", "f_name", "text", &params.name),
        field("case", "f_case", "text", &params.case_number),
        field("from", "f_from", "date", &params.from),
        field("to", "f_to", "date", &params.to),
        field("amount_min", "f_amount_min", "number", &params.amount_min),
        field("amount_max", "f_amount_max", "number", &params.amount_max),
        lang.t("f_sort"),
    );
    // The filters in force, each with a way to remove it.
    let chips: Vec<String> = filters
        .iter()
        .filter_map(|(name, label, facet, value)| {
            let value = value.as_deref()?;
            let shown = if *facet == "sort" {
                lang.t(&format!("sort:{value}")).to_owned()
            } else {
                lang.value(facet, value)
            };
            Some(format!(
                "<li>{}: {} <a href=\"{}\" aria-label=\"{} {}\">×</a></li>",
                lang.t(label),
                escape(&shown),
                escape(&link(Some((name, None)), 0)),
                lang.t("remove"),
                lang.t(label)
            ))
        })
        .collect();
    if !chips.is_empty() {
        let _ = write!(
            body,
            "<ul class=\"chips\" aria-label=\"{}\">{}</ul>",
            lang.t("active_filters"),
            chips.concat()
        );
    }
    // The filters fold away on a phone, above the hits, and stay open on a desktop
    // beside them.
    body.push_str("<div class=\"layout\"><aside><details class=\"facets\" open><summary><h2>");
    body.push_str(lang.t("filters"));
    body.push_str("</h2></summary>");
    let facet_names = [
        ("document_type", "type"),
        ("court", "court"),
        ("currency", "currency"),
        ("pipeline", "pipeline"),
        ("language", "language"),
        ("access", "access"),
        ("fond", "fond"),
    ];
    for (facet, parameter) in facet_names {
        let Some(values) = found.facets.get(facet) else {
            continue;
        };
        let _ = write!(
            body,
            "<h3>{}</h3><ul class=\"facet\" data-facet=\"{facet}\">",
            lang.t(facet)
        );
        for FacetCount { value, pages } in values {
            let _ = write!(
                body,
                "<li><a href=\"{}\">{}</a> ({pages})</li>",
                escape(&link(Some((parameter, Some(value))), 0)),
                escape(&lang.value(facet, value))
            );
        }
        body.push_str("</ul>");
    }
    body.push_str(
        "</details></aside><script>if(matchMedia('(max-width:40em)').matches)\
         document.querySelector('details.facets').open=false</script><section>",
    );
    if found.hits.is_empty() {
        let _ = write!(body, "<p class=\"nothing\">{}</p>", lang.t("nothing"));
    } else {
        let _ = write!(
            body,
            "<p class=\"total\">{}</p><ol class=\"hits\" start=\"{}\">",
            lang.pages_found(found.total),
            params.offset + 1
        );
        let passports = fehrist_service::hit_passports(&state.registry, &caller, &found.hits)
            .await
            .map_err(crate::api::problem)?;
        for hit in &found.hits {
            let passport = passports.get(&hit.record_id);
            let title = passport.and_then(|p| p.title.as_deref()).unwrap_or("");
            let about: Vec<String> = [
                passport
                    .and_then(|p| p.dates.as_ref())
                    .map(ToString::to_string),
                passport
                    .and_then(|p| p.document_type.as_deref())
                    .map(|t| lang.value("document_type", t)),
            ]
            .into_iter()
            .flatten()
            .collect();
            let _ = write!(
                body,
                "<li class=\"hit\"><img class=\"thumb\" src=\"/iiif/3/{}/{}/full/!200,200/0/default.jpg\" alt=\"\" loading=\"lazy\">\
                 <div><a class=\"title\" href=\"/ui/records/{}?lang={}{}#sheet-{}\">{}</a>\
                 <div class=\"meta\">{}{} {}{}</div><div>{}</div></div></li>",
                hit.record_id,
                hit.sheet,
                hit.record_id,
                lang.code(),
                if params.q.trim().is_empty() {
                    String::new()
                } else {
                    format!("&amp;q={}", encode(params.q.trim()))
                },
                hit.sheet,
                escape(&if title.is_empty() {
                    hit.ref_code.to_string()
                } else {
                    title.to_owned()
                }),
                // The reference code under a title; a file without one is named by it.
                if title.is_empty() {
                    String::new()
                } else {
                    format!("{} · ", escape(&hit.ref_code.to_string()))
                },
                lang.t("sheet"),
                hit.sheet,
                about
                    .iter()
                    .map(|a| format!(" · {}", escape(a)))
                    .collect::<String>(),
                marked(&hit.snippet, &hit.highlights)
            );
        }
        body.push_str("</ol>");
        let _ = write!(
            body,
            "<p><a class=\"export\" href=\"{}&amp;format=csv\" download>{}</a></p>",
            escape(&link(None, 0)),
            lang.t("export_csv")
        );
        if found.total > params.offset + found.hits.len() {
            let _ = write!(
                body,
                "<a rel=\"next\" href=\"{}\">{}</a>",
                escape(&link(None, params.offset + found.hits.len())),
                lang.t("next")
            );
        }
    }
    body.push_str("</section></div>");
    // The search without its language, for the language links.
    let here = link(None, params.offset);
    let kept = here.split_once('&').map_or("", |(_, rest)| rest);
    let kept = if kept.is_empty() {
        String::new()
    } else {
        format!("&{kept}")
    };
    Ok(page_keeping(lang, lang.t("search"), &body, &kept, &caller).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct LangParam {
    lang: Option<String>,
}

/// A record's fields as the caller may read them, each under its name in the page's
/// language (the schema's own name for one without a translation).
pub(crate) fn field_rows(
    lang: Lang,
    manifest: &Manifest,
    caller: &Caller,
) -> Vec<(String, String)> {
    let readable = fehrist_service::readable_manifest(manifest, caller);
    readable
        .fields
        .iter()
        .map(|(name, value)| {
            let shown = match value {
                FieldValue::Text(text) => text.clone(),
                FieldValue::Texts(items) => items.join("; "),
                FieldValue::Amounts(amounts) => amounts
                    .iter()
                    .map(|a| lang.amount(&a.value, &a.currency))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            let label = match lang.t(&format!("field:{name}")) {
                "?" => name.clone(),
                label => label.to_owned(),
            };
            (label, shown)
        })
        .collect()
}

fn fields_table(lang: Lang, manifest: &Manifest, caller: &Caller) -> String {
    let mut table = String::from("<table class=\"fields\">");
    for (label, shown) in field_rows(lang, manifest, caller) {
        let _ = write!(
            table,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(&label),
            escape(&shown)
        );
    }
    table.push_str("</table>");
    table
}

/// The form an archivist corrects a field or a passport element with.
fn correction_form(lang: Lang, manifest: &Manifest) -> String {
    let mut options = String::new();
    let passport = [
        ("title", "file_title"),
        ("creator", "creator"),
        ("dates", "dates"),
        ("document_type", "document_type"),
    ];
    for (name, label) in passport {
        let _ = write!(
            options,
            "<option value=\"{name}\">{}</option>",
            lang.t(label)
        );
    }
    for name in manifest.fields.keys() {
        if passport.iter().any(|(p, _)| p == name) {
            continue;
        }
        let label = match lang.t(&format!("field:{name}")) {
            "?" => name.as_str(),
            label => label,
        };
        let _ = write!(
            options,
            "<option value=\"{}\">{}</option>",
            escape(name),
            escape(label)
        );
    }
    format!(
        "<details class=\"correct\"><summary>{summary}</summary><p>{help}</p>\
         <form method=\"post\" action=\"/ui/records/{id}/corrections\">\
         <input type=\"hidden\" name=\"lang\" value=\"{code}\">\
         <p><label>{field} <select name=\"field\">{options}</select></label></p>\
         <p><label>{value} <input type=\"text\" name=\"value\" size=\"40\"></label></p>\
         <p><label><input type=\"checkbox\" name=\"remove\" value=\"1\"> {remove}</label></p>\
         <p><label>{reason} <input type=\"text\" name=\"reason\" size=\"40\" required></label></p>\
         <p><button type=\"submit\">{save}</button></p></form></details>",
        summary = lang.t("correct"),
        help = lang.t("correct_help"),
        id = manifest.record_id,
        code = lang.code(),
        field = lang.t("edit_field"),
        value = lang.t("edit_value"),
        remove = lang.t("edit_remove"),
        reason = lang.t("edit_reason"),
        save = lang.t("edit_save"),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct Correction {
    #[serde(default)]
    lang: String,
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    remove: Option<String>,
    #[serde(default)]
    reason: String,
}

/// An archivist's correction from the record page: a new signed version through the
/// service, then that version's page. A form sent from another site is refused.
pub(crate) async fn correct(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Correction>,
) -> Result<Response, Problem> {
    let lang = Lang::choose(Some(&form.lang), &headers);
    // A browser says where a form comes from in `Sec-Fetch-Site`; `Origin` is `null`
    // from these pages (they send no referrer), another site's otherwise.
    let from_elsewhere = match headers.get("sec-fetch-site") {
        Some(site) => site.as_bytes() != b"same-origin",
        None => headers.get(header::ORIGIN).is_some_and(|origin| {
            origin.as_bytes() != b"null"
                && origin.as_bytes() != crate::iiif::origin(&headers).as_bytes()
        }),
    };
    if from_elsewhere {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "a correction is sent from this registry's own record page",
        ));
    }
    if state.offer.editing.is_none() {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this registry takes no corrections on its pages (`fehrist serve --edits`); \
             make them at a station with `fehrist edit`",
        ));
    }
    let field = form.field.trim().to_owned();
    let mut request = fehrist_service::EditRequest {
        record: id,
        reason: form.reason,
        ..Default::default()
    };
    if form.remove.is_some() {
        request.remove.push(field);
    } else {
        let value = fehrist_service::field_value(&form.value).map_err(crate::api::problem)?;
        request.set.push((field, value));
    }
    // The correction is signed and sequenced on a blocking thread of its own: the log's
    // sequencing future is not one the compiler can prove `Send` for a handler.
    let shared = std::sync::Arc::clone(&state);
    let edited = tokio::task::spawn_blocking(move || {
        let editing = shared.offer.editing.as_ref().expect("checked above");
        tokio::runtime::Handle::current().block_on(fehrist_service::edit(
            &shared.registry,
            &editing.key,
            &caller,
            request,
            &editing.station,
            &now_rfc3339(),
        ))
    })
    .await
    .map_err(|e| Problem::internal(&e))?
    .map_err(crate::api::problem)?;
    Ok(Redirect::to(&format!(
        "/ui/records/{}?lang={}",
        edited.record_id,
        lang.code()
    ))
    .into_response())
}

/// Which version of its file a record is, how it came to be, and the current one.
fn version_line(lang: Lang, shown: &fehrist_service::wire::RecordAnswer) -> String {
    let manifest = &shown.manifest;
    let Some(this) = shown
        .versions
        .iter()
        .find(|v| v.record_id == manifest.record_id)
    else {
        return String::new();
    };
    let mut line = format!(
        "<p class=\"version\">{} {} {} {}",
        lang.t("version"),
        this.number,
        lang.t("of"),
        shown.versions.len()
    );
    if shown.current {
        let _ = write!(line, " ({})", lang.t("current"));
    }
    if let Some(edit) = &manifest.edit {
        let _ = write!(
            line,
            " · {} {}, {}: {}",
            lang.t("edited"),
            escape(&edit.editor),
            escape(&edit.edited_at),
            escape(&edit.reason)
        );
    } else if manifest.previous.is_some() {
        let _ = write!(
            line,
            " · {} {}",
            lang.t("rescanned"),
            escape(&manifest.registered_at)
        );
    }
    if let Some(current) = shown.versions.first().filter(|_| !shown.current) {
        let _ = write!(
            line,
            " · <a href=\"/ui/records/{}?lang={}\">{}</a>",
            current.record_id,
            lang.code(),
            lang.t("newer")
        );
    }
    line.push_str("</p>");
    line
}

/// A record page's query: its language, and the words to show on its sheets.
#[derive(Deserialize)]
pub(crate) struct RecordParams {
    lang: Option<String>,
    #[serde(default)]
    q: String,
}

pub(crate) async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<RecordParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    let record = visible_record(&state, &caller, &id).await?;
    let manifest = &record.manifest;
    let mut texts = Vec::with_capacity(manifest.pages.len());
    for page in &manifest.pages {
        let text = fehrist_service::page_text(&state.registry, &caller, manifest, page.sheet)
            .await
            .map_err(crate::api::problem)?;
        texts.push(text);
    }
    let shown = fehrist_service::show(&state.registry, &caller, &record)
        .await
        .map_err(crate::api::problem)?;
    let passport = &manifest.passport;
    let fond = passport.ref_code.fond_code();
    let mut body = format!(
        "<nav class=\"crumbs\" aria-label=\"{crumbs}\"><a href=\"/ui/fonds?lang={code}\">{fonds}</a> › \
         <a href=\"/ui/fonds/{fond}?lang={code}\">{fond}</a> › \
         <a href=\"/ui/fonds/{fond}/{inventory}?lang={code}\">{inventory}</a> › {file}</nav>",
        crumbs = lang.t("crumbs"),
        code = lang.code(),
        fonds = lang.t("fonds"),
        fond = escape(&fond),
        inventory = escape(passport.ref_code.inventory()),
        file = escape(passport.ref_code.file()),
    );
    let id = &manifest.record_id;
    // The evidence bundle is for those who may ask for it.
    let evidence = if caller.need(fehrist_model::Role::Auditor).is_ok() {
        format!(
            " · <a href=\"/api/v1/records/{id}/evidence\" download=\"{}.evidence.json\">{}</a>",
            crate::api::file_stem(&passport.ref_code.to_string()),
            lang.t("evidence")
        )
    } else {
        String::new()
    };
    let _ = write!(
        body,
        "<h1>{} {}</h1><p>{}</p><p><a href=\"/ui/fonds/{}?lang={}\">{}: {}</a> · \
         <a href=\"/api/v1/records/{id}/pdf\">{}</a>{evidence} · \
         <a href=\"/iiif/3/{id}/manifest\" type=\"application/ld+json\">{}</a></p>",
        lang.t("record"),
        escape(&passport.ref_code.to_string()),
        escape(passport.title.as_deref().unwrap_or("")),
        escape(&fond),
        lang.code(),
        lang.t("passport"),
        escape(&fond),
        lang.t("pdf"),
        lang.t("iiif_manifest"),
    );
    body.push_str(&version_line(lang, &shown));
    if !manifest.fields.is_empty() {
        let _ = write!(
            body,
            "<h2>{}</h2>{}",
            lang.t("fields"),
            fields_table(lang, manifest, &caller)
        );
    }
    // An archivist corrects the current version, where the registry signs corrections.
    if state.offer.editing.is_some()
        && shown.current
        && caller.need(fehrist_model::Role::Archivist).is_ok()
    {
        body.push_str(&correction_form(lang, manifest));
    }
    // Thumbnails of the sheets, each a link to its viewer below.
    if manifest.pages.len() > 1 {
        let _ = write!(
            body,
            "<nav class=\"thumbs\" aria-label=\"{}\">",
            lang.t("sheets")
        );
        for page in &manifest.pages {
            let _ = write!(
                body,
                "<a href=\"#sheet-{sheet}\"><img src=\"/iiif/3/{id}/{sheet}/full/!200,200/0/default.jpg\" \
                 alt=\"{label} {sheet}\" loading=\"lazy\"></a>",
                sheet = page.sheet,
                label = lang.t("sheet"),
            );
        }
        body.push_str("</nav>");
    }
    let _ = write!(
        body,
        "<div class=\"sheets\" data-search=\"/iiif/3/{id}/search\">"
    );
    for (page, text) in manifest.pages.iter().zip(&texts) {
        let text = match &page.unread {
            // Why, as the decoder said it (in English, as the API and `show` say it).
            Some(why) => format!(
                "<p class=\"bad\">{}</p><p lang=\"en\">{}</p>",
                lang.t("unread"),
                escape(why)
            ),
            // The text in the language it was read in, so that a screen reader says it
            // so and a browser hyphenates and finds it as such.
            None => match fehrist_model::bcp47(&page.language) {
                Some(tag) => format!("<pre lang=\"{tag}\">{}</pre>", escape(text)),
                None => format!("<pre>{}</pre>", escape(text)),
            },
        };
        // The scan in a deep-zoom viewer (the plain image until the viewer opens, and
        // without scripts), its buttons, and the sheet's downloads.
        let _ = write!(
            body,
            "<section class=\"sheet\" id=\"sheet-{sheet}\"><div class=\"scan\">\
             <div class=\"viewer\" data-sheet=\"{sheet}\" data-info=\"/iiif/3/{id}/{sheet}/info.json\" \
             role=\"img\" aria-label=\"{scan} {sheet}, {code}\"><img src=\"/api/v1/records/{id}/pages/{sheet}/image\" \
             alt=\"{scan} {sheet}, {code}\" loading=\"lazy\"></div>\
             <div class=\"zoom\"><button type=\"button\" id=\"zoom-in-{sheet}\" aria-label=\"{zoom_in}\">+</button>\
             <button type=\"button\" id=\"zoom-out-{sheet}\" aria-label=\"{zoom_out}\">−</button>\
             <button type=\"button\" id=\"home-{sheet}\">{whole}</button>\
             <button type=\"button\" id=\"full-{sheet}\">{full}</button>\
             <span class=\"found\" id=\"hits-{sheet}\" data-label=\"{found}\" role=\"status\" hidden></span></div>\
             <p class=\"downloads\"><a href=\"/api/v1/records/{id}/pages/{sheet}/image\">{master}</a> · \
             <a href=\"/api/v1/records/{id}/pages/{sheet}/text\">{plain}</a> · \
             <a href=\"/api/v1/records/{id}/pages/{sheet}/alto\">ALTO</a></p></div>\
             <div><h2>{label} {sheet}</h2>{text}</div></section>",
            sheet = page.sheet,
            label = lang.t("sheet"),
            scan = lang.t("scan_of_sheet"),
            code = escape(&passport.ref_code.to_string()),
            zoom_in = lang.t("zoom_in"),
            zoom_out = lang.t("zoom_out"),
            whole = lang.t("whole_sheet"),
            full = lang.t("full_screen"),
            found = lang.t("found_on_sheet"),
            master = lang.t("master"),
            plain = lang.t("text"),
        );
    }
    body.push_str("</div>");
    let _ = write!(
        body,
        "<script src=\"/ui/assets/{OPENSEADRAGON}\"></script><script src=\"/ui/assets/viewer.js\"></script>"
    );
    let kept = if params.q.trim().is_empty() {
        String::new()
    } else {
        format!("&q={}", encode(params.q.trim()))
    };
    Ok(page_keeping(lang, &passport.ref_code.to_string(), &body, &kept, &caller).into_response())
}

pub(crate) async fn fond(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((archive, fond)): Path<(String, String)>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    holdings(&state, &caller, lang, &format!("{archive}/{fond}"), None).await
}

/// An inventory (opis) of a fond: its files, under the fond's breadcrumbs.
pub(crate) async fn inventory(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((archive, fond, inventory)): Path<(String, String, String)>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    holdings(
        &state,
        &caller,
        lang,
        &format!("{archive}/{fond}"),
        Some(&inventory),
    )
    .await
}

/// A file by its place in the hierarchy (`/ui/fonds/TJ-CSA/F-12/O-3/D-45`, a sheet
/// with `/L-2` after it) opens its record page, as its reference code does.
pub(crate) async fn file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String, String, String)>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    open_file(&state, &caller, &params, &headers, path, None).await
}

pub(crate) async fn file_sheet(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((archive, fond, inventory, file, sheet)): Path<(String, String, String, String, String)>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let path = (archive, fond, inventory, file);
    open_file(&state, &caller, &params, &headers, path, Some(sheet)).await
}

async fn open_file(
    state: &AppState,
    caller: &Caller,
    params: &LangParam,
    headers: &HeaderMap,
    (archive, fond, inventory, file): (String, String, String, String),
    sheet: Option<String>,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), headers);
    let mut code = format!("{archive}/{fond}/{inventory}/{file}");
    if let Some(sheet) = &sheet {
        code = format!("{code}/{sheet}");
    }
    let parsed: fehrist_model::RefCode = code.parse().map_err(|_| Problem::not_found())?;
    let record = fehrist_service::visible_record(&state.registry, caller, &code)
        .await
        .map_err(crate::api::problem)?;
    let anchor = parsed
        .sheet()
        .map(|n| format!("#sheet-{n}"))
        .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/ui/records/{}?lang={}{anchor}",
        record.manifest.record_id,
        lang.code()
    ))
    .into_response())
}

/// A fond's passport and its files by inventory, or one inventory's files.
async fn holdings(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    code: &str,
    only: Option<&str>,
) -> Result<Response, Problem> {
    let files = fehrist_service::fond_files(&state.registry, caller, code)
        .await
        .map_err(crate::api::problem)?;
    let files: Vec<_> = files
        .into_iter()
        .filter(|file| only.is_none_or(|inventory| file.ref_code.inventory() == inventory))
        .collect();
    let fonds_link = format!(
        "<a href=\"/ui/fonds?lang={}\">{}</a>",
        lang.code(),
        lang.t("fonds")
    );
    let mut body = match only {
        Some(inventory) => {
            // An inventory the caller sees no file of answers as a missing one.
            if files.is_empty() {
                return Err(Problem::not_found());
            }
            format!(
                "<nav class=\"crumbs\" aria-label=\"{}\">{fonds_link} › \
                 <a href=\"/ui/fonds/{code}?lang={}\">{code}</a> › {inventory}</nav>\
                 <h1>{} {code}/{inventory}</h1>",
                lang.t("crumbs"),
                lang.code(),
                lang.t("inventory"),
                code = escape(code),
                inventory = escape(inventory),
            )
        }
        None => {
            let passport = fehrist_service::fond_passport(
                &state.registry,
                caller,
                code,
                state.offer.fonds.get(code),
                &now_rfc3339(),
            )
            .await
            .map_err(crate::api::problem)?;
            let counts = |facet: &str, map: &std::collections::BTreeMap<String, u64>| {
                map.iter()
                    .map(|(k, v)| format!("{}: {v}", escape(&lang.value(facet, k))))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut rows = String::new();
            let mut row = |label: &str, value: &str| {
                let _ = write!(rows, "<tr><th>{}</th><td>{value}</td></tr>", lang.t(label));
            };
            if let Some(title) = &passport.title {
                row("fond_title", &escape(title));
            }
            if let Some(creator) = &passport.creator {
                row("creator", &escape(creator));
            }
            if let Some(span) = &passport.date_span {
                row("dates", &escape(&format!("{}–{}", span.start, span.end)));
            }
            if let Some(condition) = passport.physical_condition {
                let key = match condition {
                    fehrist_model::PhysicalCondition::Good => "condition:good",
                    fehrist_model::PhysicalCondition::Fair => "condition:fair",
                    fehrist_model::PhysicalCondition::Poor => "condition:poor",
                    fehrist_model::PhysicalCondition::Damaged => "condition:damaged",
                };
                row("condition", lang.t(key));
            }
            // Registered of declared, with the share digitized.
            let declared = passport.declared.clone().unwrap_or_default();
            let extent = |registered: u64, declared: Option<u64>| match declared {
                // A share under one per cent is not shown as none.
                Some(declared) if declared > 0 => format!(
                    "{registered} {} {declared} ({}%)",
                    lang.t("of_declared"),
                    match registered * 100 / declared {
                        0 if registered > 0 => "&lt;1".to_owned(),
                        share => share.to_string(),
                    }
                ),
                _ => registered.to_string(),
            };
            row(
                "inventories",
                &extent(passport.inventories, declared.inventories),
            );
            row("files", &extent(passport.files, declared.files));
            row("sheets", &extent(passport.sheets, declared.sheets));
            row("language", &counts("language", &passport.languages));
            row("access", &counts("access", &passport.access_levels));
            row(
                "document_type",
                &counts("document_type", &passport.document_types),
            );
            let note = if passport.declared.is_some() {
                format!("<p>{}</p>", lang.t("declared_note"))
            } else {
                String::new()
            };
            format!(
                "<nav class=\"crumbs\" aria-label=\"{}\">{fonds_link} › {code}</nav>\
                 <h1>{} {code}</h1><table class=\"passport\">{rows}</table>{note}",
                lang.t("crumbs"),
                lang.t("passport"),
                code = escape(code),
            )
        }
    };
    let mut inventory = None;
    for file in &files {
        let this = file.ref_code.inventory().to_owned();
        if inventory.as_ref() != Some(&this) {
            if inventory.is_some() {
                body.push_str("</tbody></table>");
            }
            if only.is_none() {
                let _ = write!(
                    body,
                    "<h2 id=\"{id}\"><a href=\"/ui/fonds/{code}/{id}?lang={lang}\">{label} {id}</a></h2>",
                    id = escape(&this),
                    code = escape(code),
                    lang = lang.code(),
                    label = lang.t("inventory"),
                );
            }
            let _ = write!(
                body,
                "<table class=\"files\"><thead><tr><th>{file}</th>\
                 <th>{title}</th><th>{dates}</th><th>{kind}</th><th>{sheets}</th></tr></thead><tbody>",
                file = lang.t("file"),
                title = lang.t("file_title"),
                dates = lang.t("dates"),
                kind = lang.t("document_type"),
                sheets = lang.t("sheets"),
            );
            inventory = Some(this);
        }
        let _ = write!(
            body,
            "<tr><td><a href=\"/ui/records/{}?lang={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            file.record_id,
            lang.code(),
            escape(file.ref_code.file()),
            escape(file.title.as_deref().unwrap_or("")),
            escape(file.dates.as_deref().unwrap_or("")),
            escape(
                &file
                    .document_type
                    .as_deref()
                    .map(|t| lang.value("document_type", t))
                    .unwrap_or_default()
            ),
            file.sheets,
        );
    }
    if inventory.is_some() {
        body.push_str("</tbody></table>");
    }
    let title = match only {
        Some(inventory) => format!("{code}/{inventory}"),
        None => code.to_owned(),
    };
    Ok(page(lang, &title, &body, caller).into_response())
}

/// What was refused and which sheets were registered unread, for an archivist.
pub(crate) async fn quarantine(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    let entries = fehrist_service::quarantine(&state.registry, &caller)
        .await
        .map_err(crate::api::problem)?;
    let refused = entries.iter().filter(|e| e.refused()).count();
    let mut body = format!(
        "<h1>{}</h1><p>{}: {refused} · {}: {}</p>",
        lang.t("quarantine"),
        lang.t("q_refused"),
        lang.t("q_unread"),
        entries.len() - refused
    );
    if !entries.is_empty() {
        let _ = write!(
            body,
            "<table class=\"files\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            lang.t("q_when"),
            lang.t("q_path"),
            lang.t("record"),
            lang.t("sheet"),
            lang.t("q_reason"),
            lang.t("q_station"),
        );
        for entry in &entries {
            let _ = write!(
                body,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td lang=\"en\">{}</td><td>{} / {}</td></tr>",
                if entry.refused() { "refused" } else { "unread" },
                escape(&entry.at),
                escape(&entry.path),
                escape(entry.record.as_deref().unwrap_or("")),
                entry.sheet.map(|s| s.to_string()).unwrap_or_default(),
                escape(&entry.reason),
                escape(&entry.station),
                escape(&entry.operator),
            );
        }
        body.push_str("</tbody></table>");
    }
    Ok(page(lang, lang.t("quarantine"), &body, &caller).into_response())
}

/// Every fond the caller may see, with its files and sheets: where browsing starts.
pub(crate) async fn fonds(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    let list = fehrist_service::fonds(&state.registry, &caller)
        .await
        .map_err(crate::api::problem)?;
    let mut body = format!(
        "<h1>{}</h1><table class=\"fonds\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("fonds"),
        lang.t("fond"),
        lang.t("files"),
        lang.t("sheets")
    );
    for fond in &list.fonds {
        let _ = write!(
            body,
            "<tr><td><a href=\"/ui/fonds/{code}?lang={lang}\">{code}</a></td><td>{}</td><td>{}</td></tr>",
            fond.files,
            fond.sheets,
            code = escape(&fond.fond),
            lang = lang.code(),
        );
    }
    body.push_str("</tbody></table>");
    if caller.role.allows(fehrist_model::Role::Archivist) {
        let _ = write!(
            body,
            "<p><a href=\"/ui/quarantine?lang={}\">{}</a></p>",
            lang.code(),
            lang.t("quarantine")
        );
    }
    Ok(page(lang, lang.t("fonds"), &body, &caller).into_response())
}

/// The upload page: the browser sends the chosen file to `POST /api/v1/verify` and
/// says what came back.
pub(crate) async fn verify(
    Extension(caller): Extension<Caller>,
    Query(params): Query<LangParam>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::choose(params.lang.as_deref(), &headers);
    let body = format!(
        "<h1>{title}</h1><p>{help}</p><input type=\"file\" id=\"file\" aria-label=\"{title}\">\
         <p id=\"result\" role=\"status\"></p><script>\n\
         const say = {{unchanged: {unchanged:?}, missing: {missing:?}, changed: {changed:?}, sheets: {sheets:?}, registered: {registered:?}, signed: {signed:?}, leaf: {leaf:?},\n\
           bundle_ok: {bundle_ok:?}, bundle_bad: {bundle_bad:?},\n\
           failed: {{400: {bad_request:?}, 413: {too_large:?}, 429: {too_many:?}, other: {internal:?}}}}};\n\
         document.getElementById('file').addEventListener('change', async (event) => {{\n\
           const file = event.target.files[0]; if (!file) return;\n\
           const result = document.getElementById('result');\n\
           const bundle = file.name.toLowerCase().endsWith('.json');\n\
           const answer = await fetch(bundle ? '/api/v1/verify/evidence' : '/api/v1/verify', {{method: 'POST', body: file, credentials: 'same-origin'}});\n\
           const found = await answer.json();\n\
           if (!answer.ok) {{\n\
             result.className = 'bad'; result.textContent = say.failed[answer.status] || say.failed.other;\n\
             if (found.detail) {{ const detail = document.createElement('span'); detail.lang = 'en'; detail.textContent = ' (' + found.detail + ')'; result.append(detail); }}\n\
             return;\n\
           }}\n\
           if (bundle) {{\n\
             result.className = found.verified ? 'ok' : 'bad';\n\
             result.textContent = found.verified ? say.bundle_ok + ': ' + found.ref_code + ', ' + say.leaf + ' ' + found.log.leaf_index : say.bundle_bad;\n\
             if (found.reason) {{ const reason = document.createElement('span'); reason.lang = 'en'; reason.textContent = ' (' + found.reason + ')'; result.append(reason); }}\n\
             return;\n\
           }}\n\
           const names = found.records.map(r => r.ref_code + ', ' + say.sheets + ' ' + r.sheets.join(', ')\n\
             + (r.registered_at ? ', ' + say.registered + ' ' + r.registered_at.slice(0, 10) : '')\n\
             + (r.key_name ? ', ' + say.signed + ' ' + r.key_name : '')\n\
             + (r.log ? ', ' + say.leaf + ' ' + r.log.leaf_index : '')).join('; ');\n\
           const said = names ? ': ' + names : '';\n\
           if (!found.registered) {{ result.className = 'bad'; result.textContent = say.missing; }}\n\
           else if (found.unchanged) {{ result.className = 'ok'; result.textContent = say.unchanged + said; }}\n\
           else {{ result.className = 'bad'; result.textContent = say.changed + said; }}\n\
         }});\n</script>",
        title = lang.t("verify"),
        help = lang.t("verify_help"),
        unchanged = lang.t("unchanged"),
        missing = lang.t("not_registered"),
        changed = lang.t("changed"),
        sheets = lang.t("verify_sheets"),
        registered = lang.t("verify_registered"),
        signed = lang.t("verify_signed"),
        leaf = lang.t("verify_leaf"),
        bad_request = lang.t("error_bad_request"),
        too_large = lang.t("error_too_large"),
        too_many = lang.t("error_too_many"),
        internal = lang.t("error_internal"),
        bundle_ok = lang.t("bundle_ok"),
        bundle_bad = lang.t("bundle_bad"),
    );
    page(lang, lang.t("verify"), &body, &caller).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_marks() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "ru-RU,ru;q=0.9,en;q=0.8".parse().unwrap(),
        );
        assert_eq!(Lang::choose(None, &headers), Lang::Ru);
        assert_eq!(Lang::choose(Some("en"), &headers), Lang::En);
        assert_eq!(Lang::choose(None, &HeaderMap::new()), Lang::Tg);
        assert_eq!(Lang::Tg.t("search"), "Ҷустуҷӯ");
        assert_eq!(
            marked("ин <ҳуҷҷат> нав", &[(3, 11)]),
            "ин <mark>&lt;ҳуҷҷат&gt;</mark> нав"
        );
        assert_eq!(marked("ин ҳуҷҷат", &[(3, 9)]), "ин <mark>ҳуҷҷат</mark>");
        assert_eq!(encode("ҷ a&b"), "%D2%B7+a%26b");
    }

    #[test]
    fn counts_take_the_form_their_number_asks_for() {
        let ru: Vec<String> = [1, 2, 5, 11, 12, 21, 22, 25, 111, 104]
            .iter()
            .map(|&n| Lang::Ru.pages_found(n))
            .collect();
        assert_eq!(
            ru,
            [
                "Найдено: 1 страница",
                "Найдено: 2 страницы",
                "Найдено: 5 страниц",
                "Найдено: 11 страниц",
                "Найдено: 12 страниц",
                "Найдено: 21 страница",
                "Найдено: 22 страницы",
                "Найдено: 25 страниц",
                "Найдено: 111 страниц",
                "Найдено: 104 страницы",
            ]
        );
        assert_eq!(Lang::En.pages_found(1), "1 page found");
        assert_eq!(Lang::En.pages_found(3), "3 pages found");
        assert_eq!(Lang::Tg.pages_found(3), "3 саҳифа ёфт шуд");
    }

    #[test]
    fn amounts_are_grouped_and_their_currency_named_as_each_language_writes_them() {
        assert_eq!(Lang::Ru.amount("8756", "TJS"), "8\u{a0}756\u{a0}сомони");
        assert_eq!(
            Lang::Tg.amount("1250000.50", "USD"),
            "1\u{a0}250\u{a0}000,50\u{a0}доллари ИМА"
        );
        assert_eq!(
            Lang::En.amount("1250000.50", "RUB"),
            "RUB\u{a0}1,250,000.50"
        );
        assert_eq!(Lang::Ru.amount("300", "KZT"), "300\u{a0}тенге");
        assert_eq!(Lang::Ru.amount("12", "XYZ"), "12\u{a0}XYZ");
        assert_eq!(
            Lang::Ru.amount("около 5 тыс.", "TJS"),
            "около 5 тыс.\u{a0}сомони"
        );
    }

    #[test]
    fn facet_values_are_said_in_the_page_language_and_others_kept() {
        assert_eq!(Lang::Ru.value("access", "open"), "открытый");
        assert_eq!(Lang::Tg.value("language", "tgk"), "тоҷикӣ");
        assert_eq!(Lang::En.value("document_type", "unstated"), "not stated");
        assert_eq!(
            Lang::Ru.value("pipeline", "executive-documents"),
            "исполнительные документы"
        );
        assert_eq!(Lang::Ru.value("document_type", "протокол"), "протокол");
        assert_eq!(Lang::Ru.value("currency", "TJS"), "TJS");
        assert_eq!(Lang::Ru.value("court", "open"), "open");
    }

    #[test]
    fn fields_are_named_in_the_page_language_and_personal_ones_redacted() {
        let mut manifest: Manifest = serde_json::from_str(include_str!(
            "../../fehrist-seal/tests/golden/manifest-v1-fields.json"
        ))
        .unwrap();
        manifest
            .fields
            .insert("debtor".into(), FieldValue::Text("Назаров Фаррух".into()));
        manifest
            .fields
            .insert("colour".into(), FieldValue::Text("red".into()));
        let reader = Caller {
            clearance: AccessLevel::Internal,
            ..Caller::local("reader", "MoJ", fehrist_model::Role::Reader, "host")
        };
        let table = fields_table(Lang::Ru, &manifest, &reader);
        assert!(
            table.contains("<th>Должник</th><td>[redacted]</td>"),
            "{table}"
        );
        assert!(table.contains("<th>Номер дела</th>"), "{table}");
        assert!(table.contains("<th>colour</th><td>red</td>"), "{table}");
        let table = fields_table(Lang::Tg, &manifest, &reader);
        assert!(table.contains("<th>Қарздор</th>"), "{table}");
    }
}
