//! Texts an admin reads, in the workspace language. Core never writes a sentence into a value
//! that crosses IPC or reaches the terminal: it writes a [`Text`] (a message key from the Fluent
//! catalogues in `crates/core/locales/` and its arguments), and the text is rendered in English or
//! Japanese where it is shown. `Serialize` renders in the language set by [`in_language`] for the
//! current serialisation (English otherwise), so a front end wraps what it returns and emits in
//! [`Localized`] and every message inside comes out in the admin's language.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Serialize, Serializer};
use ts_rs::TS;

/// A language Liaison speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The language of the operating system's locale (`LANG`, `LC_ALL`, the OS setting), English
    /// unless it is Japanese.
    pub fn of_system() -> Self {
        Self::from_tag(&sys_locale::get_locale().unwrap_or_default())
    }

    /// `ja`, `ja-JP`, `ja_JP.UTF-8` → Japanese; anything else → English.
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("ja") { Self::Ja } else { Self::En }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ja => "ja",
        }
    }
}

/// One argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Str(String),
    Num(f64),
    /// A message inside a message ("Row 4: { $reason }"), rendered in the same language.
    Text(Box<Text>),
    /// Sentences shown one after another ("Still open: A. B."), each in the same language.
    Sentences(Vec<Text>),
}

impl From<Vec<Text>> for Arg {
    fn from(texts: Vec<Text>) -> Self {
        Self::Sentences(texts)
    }
}

macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Self::Num(n as f64)
            }
        }
    )*};
}
num_arg!(u8, i32, i64, u16, u32, u64, usize, f64);

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Self::Str(s.clone())
    }
}

impl From<Text> for Arg {
    /// A nested text is rendered in the language of the message around it.
    fn from(t: Text) -> Self {
        Self::Text(Box::new(t))
    }
}

impl From<&Text> for Arg {
    fn from(t: &Text) -> Self {
        Self::Text(Box::new(t.clone()))
    }
}

/// A message for the admin: a catalogue key and its arguments, with its English rendering kept
/// for logs, tests and `Display`.
#[derive(Clone, PartialEq)]
pub struct Text(Box<Inner>);

/// Boxed, so that a `Text` (and every `Result` carrying an error) stays one pointer wide.
#[derive(Clone, PartialEq)]
struct Inner {
    key: Option<Cow<'static, str>>,
    args: Vec<(Cow<'static, str>, Arg)>,
    english: String,
}

impl Text {
    /// The message `key` with `args`, rendered from the catalogues. An unknown key is a bug that
    /// the catalogue test catches; at run time it shows the key itself rather than nothing.
    pub fn new(key: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        let args: Vec<_> = args.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect();
        let english = render(Lang::En, key, &args);
        Self(Box::new(Inner { key: Some(Cow::Borrowed(key)), args, english }))
    }

    /// A text that is the same in every language: a value from a remote system (a vendor's own
    /// error sentence, a name), never a sentence Liaison writes.
    pub fn verbatim(s: impl Into<String>) -> Self {
        Self(Box::new(Inner { key: None, args: Vec::new(), english: s.into() }))
    }

    /// The catalogue key, if the text has one.
    pub fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }

    /// The English rendering.
    pub fn as_str(&self) -> &str {
        &self.0.english
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match (&self.0.key, lang) {
            (None, _) | (_, Lang::En) => self.0.english.clone(),
            (Some(key), lang) => render(lang, key, &self.0.args),
        }
    }

    /// The form kept in SQLite (run errors, delivery errors), so that a message stored today is
    /// shown in whatever language the admin reads later: JSON with the key and arguments, or the
    /// plain text for a verbatim one.
    pub fn to_stored(&self) -> String {
        match &self.0.key {
            None => self.0.english.clone(),
            Some(_) => self.stored_value().to_string(),
        }
    }

    /// The stored form as JSON; a nested text is an object, a verbatim one its plain string.
    fn stored_value(&self) -> serde_json::Value {
        let Some(key) = &self.0.key else {
            return serde_json::Value::from(self.0.english.as_str());
        };
        let args: serde_json::Map<String, serde_json::Value> = self
            .0
            .args
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Arg::Str(s) => serde_json::Value::from(s.as_str()),
                    Arg::Num(n) => serde_json::Value::from(*n),
                    Arg::Text(t) => t.stored_value(),
                    Arg::Sentences(ts) => ts.iter().map(Text::stored_value).collect(),
                };
                (k.to_string(), v)
            })
            .collect();
        serde_json::json!({ "key": key, "args": args })
    }

    /// Reads what [`Text::to_stored`] wrote; anything else (rows written before messages had
    /// keys) is a verbatim text.
    pub fn from_stored(stored: &str) -> Self {
        let parsed = stored.starts_with('{').then(|| serde_json::from_str::<serde_json::Value>(stored).ok()).flatten();
        parsed.and_then(Self::from_stored_value).unwrap_or_else(|| Self::verbatim(stored))
    }

    fn from_stored_value(value: serde_json::Value) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Stored {
            key: String,
            args: serde_json::Map<String, serde_json::Value>,
        }
        let parsed: Stored = serde_json::from_value(value).ok()?;
        let args: Vec<(Cow<'static, str>, Arg)> = parsed
            .args
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::Number(n) => Arg::Num(n.as_f64().unwrap_or_default()),
                    serde_json::Value::String(s) => Arg::Str(s),
                    nested @ serde_json::Value::Object(_) => match Self::from_stored_value(nested.clone()) {
                        Some(text) => Arg::Text(Box::new(text)),
                        None => Arg::Str(nested.to_string()),
                    },
                    serde_json::Value::Array(items) => Arg::Sentences(
                        items
                            .into_iter()
                            .map(|item| match item {
                                serde_json::Value::String(s) => Self::verbatim(s),
                                other => Self::from_stored_value(other.clone())
                                    .unwrap_or_else(|| Self::verbatim(other.to_string())),
                            })
                            .collect(),
                    ),
                    other => Arg::Str(other.to_string()),
                };
                (Cow::Owned(k), v)
            })
            .collect();
        let english = render(Lang::En, &parsed.key, &args);
        Some(Self(Box::new(Inner { key: Some(Cow::Owned(parsed.key)), args, english })))
    }

    /// The text in the language of the serialisation under way (see [`in_language`]).
    pub fn current(&self) -> String {
        self.render(current_lang())
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0.english
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.english)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.english, f)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.0.english == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.0.english == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &self.0.english == other
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self::verbatim(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self::verbatim(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Self::verbatim(s.as_str())
    }
}

impl From<&Text> for Text {
    fn from(t: &Text) -> Self {
        t.clone()
    }
}

impl Default for Text {
    /// No text at all (an optional reason that was not given).
    fn default() -> Self {
        Self::verbatim("")
    }
}

// Arguments are never NaN, so equality is total.
impl Eq for Text {}

impl<'de> serde::Deserialize<'de> for Text {
    /// A text read back from JSON is the string it was rendered as (in the language of its
    /// serialisation), so it stays verbatim; SQLite keeps texts with [`Text::to_stored`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::verbatim)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.current())
    }
}

impl TS for Text {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        Self::name(cfg)
    }
    fn decl(_: &ts_rs::Config) -> String {
        panic!("Text is a primitive")
    }
    fn decl_concrete(_: &ts_rs::Config) -> String {
        panic!("Text is a primitive")
    }
    fn inline_flattened(_: &ts_rs::Config) -> String {
        panic!("Text is a primitive")
    }
}

/// A message from the catalogue: `msg!("key")` or `msg!("key", name = value, ...)`.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Text::new($key, vec![$((stringify!($name), $crate::i18n::Arg::from($value))),*])
    };
}

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

fn current_lang() -> Lang {
    LANG.with(Cell::get)
}

/// Runs `f` (a serialisation, a rendering) with texts rendered in `lang`.
pub fn in_language<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = LANG.with(|l| l.replace(lang));
    struct Restore(Lang);
    impl Drop for Restore {
        fn drop(&mut self) {
            LANG.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// A value whose texts serialise in `lang`: what a front end returns and emits.
#[derive(Debug, Clone)]
pub struct Localized<T> {
    pub lang: Lang,
    pub value: T,
}

impl<T: Serialize> Serialize for Localized<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        in_language(self.lang, || self.value.serialize(s))
    }
}

const EN: &str = include_str!("../../locales/en.ftl");
const JA: &str = include_str!("../../locales/ja.ftl");

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_owned()).expect("the message catalogue parses (tested)");
    let mut bundle = FluentBundle::new_concurrent(vec![lang.tag().parse().expect("valid language tag")]);
    // Bidi isolation marks around arguments would end up in terminals and CSV files.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).expect("no message is defined twice (tested)");
    bundle
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| [bundle(Lang::En, EN), bundle(Lang::Ja, JA)]);

fn render(lang: Lang, key: &str, args: &[(Cow<'static, str>, Arg)]) -> String {
    let bundle = &BUNDLES[lang as usize];
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return if lang == Lang::En { key.to_owned() } else { render(Lang::En, key, args) };
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Str(s) => fluent_args.set(name.clone(), FluentValue::from(s.clone())),
            Arg::Num(n) => fluent_args.set(name.clone(), FluentValue::from(*n)),
            Arg::Text(t) => fluent_args.set(name.clone(), FluentValue::from(t.render(lang))),
            Arg::Sentences(ts) => {
                // Japanese sentences end in 。 and follow each other without a space.
                let sep = if lang == Lang::Ja { "" } else { " " };
                let joined = ts.iter().map(|t| t.render(lang)).collect::<Vec<_>>().join(sep);
                fluent_args.set(name.clone(), FluentValue::from(joined))
            }
        }
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, lang = lang.tag(), ?errors, "a message was rendered with errors");
    }
    text.into_owned()
}

/// The keys of a catalogue, for tests.
pub fn keys(lang: Lang) -> Vec<String> {
    let source = match lang {
        Lang::En => EN,
        Lang::Ja => JA,
    };
    let resource = FluentResource::try_new(source.to_owned()).expect("parses");
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
