use std::collections::BTreeSet;

use super::*;

fn source_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `msg!("key"` written in core, with the file it is in.
fn keys_used() -> Vec<(String, String)> {
    let mut files = Vec::new();
    source_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let pattern = regex::Regex::new(r#"msg!\(\s*"([a-z0-9]+(?:-[a-z0-9]+)+)""#).unwrap();
    let mut used = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for cap in pattern.captures_iter(&text) {
            used.push((cap[1].to_owned(), file.display().to_string()));
        }
    }
    used
}

#[test]
fn both_catalogues_parse_and_hold_the_same_keys() {
    let en: BTreeSet<_> = keys(Lang::En).into_iter().collect();
    let ja: BTreeSet<_> = keys(Lang::Ja).into_iter().collect();
    assert!(!en.is_empty());
    assert_eq!(en.difference(&ja).collect::<Vec<_>>(), Vec::<&String>::new(), "keys missing in ja.ftl");
    assert_eq!(ja.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "keys missing in en.ftl");
    // Parsing errors and duplicate ids panic when the bundles are built.
    let _ = &*BUNDLES;
}

#[test]
fn every_key_used_in_core_is_in_the_catalogue() {
    let en: BTreeSet<_> = keys(Lang::En).into_iter().collect();
    let missing: Vec<_> = keys_used().into_iter().filter(|(key, _)| !en.contains(key)).collect();
    assert!(missing.is_empty(), "message keys used but not in locales/en.ftl: {missing:?}");
}

#[test]
fn every_japanese_message_is_written_in_japanese() {
    // Japanese text carries kana or kanji; an English sentence copied over does not.
    let japanese = regex::Regex::new(r"[\p{Hiragana}\p{Katakana}\p{Han}]").unwrap();
    for key in keys(Lang::Ja) {
        let text = render(Lang::Ja, &key, &[]);
        assert!(japanese.is_match(&text), "{key} is not Japanese in ja.ftl: {text:?}");
    }
}

#[test]
fn a_text_serialises_in_the_language_of_its_localized_wrapper() {
    let text = crate::msg!("test-greeting", name = "Aiko");
    assert_eq!(text, "Hello, Aiko.");
    assert_eq!(serde_json::to_value(&text).unwrap(), "Hello, Aiko.");
    let ja = serde_json::to_value(Localized { lang: Lang::Ja, value: vec![text.clone()] }).unwrap();
    assert_eq!(ja, serde_json::json!(["こんにちは、Aikoさん。"]));
    // The wrapper does not leak its language into later serialisations.
    assert_eq!(serde_json::to_value(&text).unwrap(), "Hello, Aiko.");
}

#[test]
fn numbers_select_plural_forms_in_english() {
    assert_eq!(crate::msg!("test-rows", count = 1usize).as_str(), "1 row");
    assert_eq!(crate::msg!("test-rows", count = 3usize).as_str(), "3 rows");
    assert_eq!(crate::msg!("test-rows", count = 3usize).render(Lang::Ja), "3 行");
}

#[test]
fn a_verbatim_text_is_the_same_in_every_language() {
    let text = Text::verbatim("INVALID_FIELD: No such column 'Foo__c'");
    assert_eq!(text.render(Lang::Ja), text.as_str());
}

#[test]
fn language_tags_map_to_languages() {
    assert_eq!(Lang::from_tag("ja_JP.UTF-8"), Lang::Ja);
    assert_eq!(Lang::from_tag("ja"), Lang::Ja);
    assert_eq!(Lang::from_tag("en-US"), Lang::En);
    assert_eq!(Lang::from_tag(""), Lang::En);
}

#[test]
fn a_stored_text_reads_back_in_every_language_and_old_plain_rows_stay_verbatim() {
    let text = crate::msg!("test-rows", count = 2usize);
    let back = Text::from_stored(&text.to_stored());
    assert_eq!(back, text);
    assert_eq!(back.render(Lang::Ja), "2 行");
    let old = Text::from_stored("Marketo rejected the lead.");
    assert_eq!((old.key(), old.as_str()), (None, "Marketo rejected the lead."));
    assert_eq!(Text::from_stored(&Text::verbatim("x").to_stored()).as_str(), "x");
}
