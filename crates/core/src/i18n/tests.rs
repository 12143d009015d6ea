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
    // A message made only of its arguments ("{ $reasons }": texts already in the language) has
    // no words of its own to translate.
    let placeable = regex::Regex::new(r"\{[^{}]*\}").unwrap();
    for key in keys(Lang::Ja) {
        let text = render(Lang::Ja, &key, &[]);
        if placeable.replace_all(&text, "").trim().is_empty() {
            continue;
        }
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

#[test]
fn a_nested_text_and_a_list_of_sentences_render_and_store_in_the_language_of_the_message() {
    let inner = crate::msg!("test-rows", count = 2usize);
    let outer = crate::msg!("test-greeting", name = inner.clone());
    assert_eq!(outer, "Hello, 2 rows.");
    assert_eq!(outer.render(Lang::Ja), "こんにちは、2 行さん。");
    let back = Text::from_stored(&outer.to_stored());
    assert_eq!(back.render(Lang::Ja), "こんにちは、2 行さん。");
    let list = crate::msg!("test-greeting", name = vec![inner.clone(), Text::verbatim("x")]);
    assert_eq!(list, "Hello, 2 rows x.");
    assert_eq!(Text::from_stored(&list.to_stored()).render(Lang::Ja), "こんにちは、2 行xさん。");
}

#[test]
fn no_error_in_core_is_built_from_a_string_literal_or_format() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let constructor = r"Error::(?:new|invalid_input|not_found|internal)\(\s*(?:ErrorCode::\w+,\s*)?";
    let patterns = [
        regex::Regex::new(&format!(r#"{constructor}""#)).unwrap(),
        regex::Regex::new(&format!(r"{constructor}format!")).unwrap(),
        regex::Regex::new(&format!(r#"{constructor}(?:if|match)\b[^;]*?\{{\s*""#)).unwrap(),
    ];
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        if relative.starts_with("i18n/") || relative.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for pattern in &patterns {
            for m in pattern.find_iter(code) {
                let line = code[..m.start()].lines().count();
                found.push(format!("{relative}:{line}: {}", m.as_str().lines().next().unwrap_or_default()));
            }
        }
    }
    assert!(found.is_empty(), "errors written as plain strings (use msg!):\n{}", found.join("\n"));
}

#[test]
fn representative_errors_of_every_area_render_in_japanese() {
    let japanese = regex::Regex::new(r"[\p{Hiragana}\p{Katakana}\p{Han}]").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'j'; 4096]).unwrap();
    let ws = crate::Workspace::open(crate::Paths::in_dir(dir.path().join("ws"))).unwrap();
    let store = crate::store::Store::open(&crate::Paths::in_dir(dir.path().join("store"))).unwrap();
    let new_custom_field = |label: &str| crate::sync::fields::NewCustomField {
        label: label.to_owned(),
        marketo: None,
        salesforce_contact: None,
        salesforce_lead: None,
        rule: crate::sync::cache::ConflictRule::SalesforceWins,
    };
    let errors = [
        crate::Paths::in_dir(&file).ensure_data_dir().unwrap_err(),
        crate::settings::LanguagePreference::parse("fr").unwrap_err(),
        crate::members::admin::normalize_email("a b@example.com").unwrap_err(),
        crate::invites::csv::inspect(dir.path()).unwrap_err(),
        crate::store::Store::open_file(&junk).unwrap_err(),
        crate::connections::marketo::base_url("marketo please").unwrap_err(),
        crate::sync::settings::SyncSettings { schedule_minutes: 3, ..Default::default() }.validate().unwrap_err(),
        crate::sync::fields::add_custom(&store, new_custom_field("")).unwrap_err(),
        crate::sync::run::connection_ids(&ws).unwrap_err(),
    ];
    for err in errors {
        let ja = err.message.render(Lang::Ja);
        assert!(err.message.key().is_some(), "not a catalogue message: {}", err.message);
        assert!(japanese.is_match(&ja), "{:?} is not Japanese: {ja}", err.code);
    }
}
