//! Rendering a channel's template with minijinja: the loader confined to the templates
//! folder, escaping by format, pim's filters and `row()`.

use crate::config::OutputFormat;
use minijinja::value::{Kwargs, Rest};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where `row()` writes its records.
pub type Records = Arc<Mutex<super::check::RowWriter>>;

/// An environment for one channel.
pub fn environment(
    templates: &Path,
    format: OutputFormat,
    currency: &str,
    records: &Records,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // Files end with the newline the template ends with.
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let escape = match format {
        OutputFormat::Html | OutputFormat::Xml => AutoEscape::Html,
        OutputFormat::Json | OutputFormat::Jsonl => AutoEscape::Json,
        OutputFormat::Csv | OutputFormat::Tsv => AutoEscape::None,
    };
    env.set_auto_escape_callback(move |_| escape.clone());
    // HTML escaping without minijinja's `/` → `&#x2f;`, which makes every URL unreadable.
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Html)
            && value.kind() == minijinja::value::ValueKind::String
            && !value.is_safe()
            && let Some(text) = value.as_str()
        {
            out.write_str(&escape_html(text)).map_err(Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    let root = templates.to_path_buf();
    env.set_loader(move |name| load(&root, name));
    env.add_filter("truncate", truncate);
    env.add_filter("striptags", striptags);
    let channel_currency = currency.to_owned();
    env.add_filter("money", move |value: Value, currency: Option<String>| {
        money(&value, currency.as_deref().unwrap_or(&channel_currency))
    });
    env.add_filter("date", date);
    // Built-in filters that would take an undefined value quietly (`{{ p.descripton|tojson }}`
    // printing `null` for every product): passing an undefined value to a filter is an
    // error (SPEC §4); `default` is the way to test one.
    env.add_filter(
        "tojson",
        |value: Value, indent: Option<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            defined(&value, "tojson")?;
            minijinja::filters::tojson(&value, indent, kwargs)
        },
    );
    env.add_filter("pprint", |value: Value| -> Result<String, Error> {
        defined(&value, "pprint")?;
        Ok(minijinja::filters::pprint(&value))
    });
    env.add_filter(
        "bool",
        |state: &minijinja::State, value: Value| -> Result<bool, Error> {
            defined(&value, "bool")?;
            minijinja::filters::bool(state, &value)
        },
    );
    env.add_filter(
        "chain",
        |state: &minijinja::State, value: Value, others: Rest<Value>| -> Result<Value, Error> {
            defined(&value, "chain")?;
            others.iter().try_for_each(|v| defined(v, "chain"))?;
            minijinja::filters::chain(state, value, others)
        },
    );
    env.add_filter(
        "zip",
        |state: &minijinja::State, value: Value, others: Rest<Value>| -> Result<Value, Error> {
            defined(&value, "zip")?;
            others.iter().try_for_each(|v| defined(v, "zip"))?;
            minijinja::filters::zip(state, value, others)
        },
    );
    for name in ["escape", "e"] {
        env.add_filter(name, move |value: Value| -> Result<Value, Error> {
            defined(&value, name)?;
            if value.is_safe() {
                return Ok(value);
            }
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            Ok(Value::from_safe_string(escape_html(&text)))
        });
    }
    env.add_filter("indent", indent);
    if matches!(format, OutputFormat::Csv | OutputFormat::Tsv) {
        let records = Arc::clone(records);
        env.add_function("row", move |cells: Rest<Value>| row(&records, &cells));
    }
    env
}

/// Jinja2's `indent(width=4, first=false, blank=false)`, refusing an undefined value.
fn indent(
    value: Value,
    width: Option<usize>,
    first: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    defined(&value, "indent")?;
    let width = kwargs.get::<Option<usize>>("width")?.or(width).unwrap_or(4);
    let first = kwargs
        .get::<Option<bool>>("first")?
        .or(first)
        .unwrap_or(false);
    let blank = kwargs.get::<Option<bool>>("blank")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    let pad = " ".repeat(width);
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let wanted = (i > 0 || first) && (blank || !line.trim().is_empty());
        if wanted {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    Ok(if value.is_safe() {
        Value::from_safe_string(out)
    } else {
        Value::from(out)
    })
}

/// An error for an undefined value passed to `filter`.
fn defined(value: &Value, filter: &str) -> Result<(), Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            format!(
                "`{filter}` got an undefined value (a misspelt or missing attribute?); use `|default(none)|{filter}` for an optional one"
            ),
        ));
    }
    Ok(())
}

/// Escapes `&`, `<`, `>`, `"` and `'`: enough for text and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Loads a template by name, only from inside the templates folder (symlinks resolved).
fn load(root: &Path, name: &str) -> Result<Option<String>, Error> {
    let outside = || {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("the template `{name}` leads out of the templates folder"),
        )
    };
    let rel = Path::new(name);
    if name.contains('\\')
        || !rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(outside());
    }
    let path: PathBuf = root.join(rel);
    if !path.exists() {
        return Ok(None);
    }
    let (Ok(base), Ok(real)) = (root.canonicalize(), path.canonicalize()) else {
        return Err(outside());
    };
    if !real.starts_with(&base) {
        return Err(outside());
    }
    crate::source::read_regular_text(&real, u64::MAX)
        .map(Some)
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("cannot read the template `{name}`: {e}"),
            )
        })
}

/// Jinja2's `truncate(length=255, killwords=false, end='...', leeway=0)`, except that the
/// result is never longer than `length` characters.
fn truncate(
    value: &str,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let length = kwargs
        .get::<Option<usize>>("length")?
        .or(length)
        .unwrap_or(255);
    let killwords = kwargs
        .get::<Option<bool>>("killwords")?
        .or(killwords)
        .unwrap_or(false);
    let end = kwargs
        .get::<Option<String>>("end")?
        .or(end)
        .unwrap_or_else(|| "...".into());
    // Jinja2 keeps a text up to `length + leeway` long; pim promises never to exceed
    // `length` (feeds reject longer values), so leeway is accepted but cannot add to it.
    let _leeway = kwargs.get::<Option<usize>>("leeway")?;
    kwargs.assert_all_used()?;
    let count = value.chars().count();
    if count <= length {
        return Ok(value.to_owned());
    }
    let end_len = end.chars().count();
    if end_len >= length {
        return Ok(end.chars().take(length).collect());
    }
    let keep: String = value.chars().take(length - end_len).collect();
    let cut = if killwords {
        keep
    } else {
        match keep.rfind(char::is_whitespace) {
            Some(i) if i > 0 => keep.get(..i).unwrap_or(&keep).trim_end().to_owned(),
            _ => keep,
        }
    };
    Ok(format!("{cut}{end}"))
}

/// Removes tags and comments, decodes the common entities and collapses whitespace.
pub fn striptags(value: &str) -> String {
    let mut text = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        text.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start..).unwrap_or_default();
        let close = if after.starts_with("<!--") {
            after.find("-->").map(|i| i + 3)
        } else {
            after.find('>').map(|i| i + 1)
        };
        match close {
            Some(end) => {
                text.push(' ');
                rest = after.get(end..).unwrap_or_default();
            }
            None => {
                rest = "";
            }
        }
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `"199.00"|money` → `199.00 USD` in the channel's currency.
fn money(value: &Value, currency: &str) -> Result<String, Error> {
    if value.is_undefined() || value.is_none() {
        return Err(Error::new(ErrorKind::UndefinedError, "money got no value"));
    }
    let amount = value.to_string();
    if !crate::schema::is_decimal(&amount) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("money got `{amount}`, which is not a decimal number"),
        ));
    }
    Ok(format!("{amount} {currency}"))
}

/// `"2026-11-27"|date("%d.%m.%Y")`: an ISO date or date-time formatted with strftime.
fn date(value: &str, format: &str) -> Result<String, Error> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    use std::fmt::Write as _;
    let bad_format = || {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`{format}` is not a valid date format"),
        )
    };
    let mut out = String::new();
    let written = if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        write!(out, "{}", dt.format(format))
    } else if let Ok(dt) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        write!(out, "{}", dt.format(format))
    } else if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        write!(out, "{}", d.format(format))
    } else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`{value}` is not an ISO 8601 date"),
        ));
    };
    written.map_err(|_| bad_format())?;
    Ok(out)
}

/// `row(a, b, ...)`: records one CSV/TSV record; prints nothing.
fn row(records: &Records, cells: &[Value]) -> Result<String, Error> {
    let mut record = Vec::with_capacity(cells.len());
    for (i, cell) in cells.iter().enumerate() {
        let text = if cell.is_undefined() {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                format!(
                    "row() cell {} is undefined; use `|default('')` for optional values",
                    i + 1
                ),
            ));
        } else if cell.is_none() {
            String::new()
        } else if cell.kind() == minijinja::value::ValueKind::Bool {
            cell.is_true().to_string()
        } else if matches!(
            cell.kind(),
            minijinja::value::ValueKind::Seq
                | minijinja::value::ValueKind::Map
                | minijinja::value::ValueKind::Iterable
        ) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "row() cell {} is a list or mapping; join it into text first, e.g. `|join(',')`",
                    i + 1
                ),
            ));
        } else {
            cell.to_string()
        };
        record.push(text);
    }
    records
        .lock()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "row() state is poisoned"))?
        .push(record)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn render(format: OutputFormat, source: &str, ctx: Value) -> Result<(String, String), Error> {
        let records: Records = Arc::new(Mutex::new(super::super::check::RowWriter::new(
            format, false, false,
        )));
        let mut env = environment(Path::new("/nonexistent"), format, "USD", &records);
        env.add_template_owned("t", source.to_owned())?;
        let out = env.get_template("t")?.render(ctx)?;
        drop(env);
        let writer = Arc::try_unwrap(records).ok().unwrap().into_inner().unwrap();
        let rows = String::from_utf8(writer.finish("").unwrap_or_default()).unwrap();
        Ok((out, rows))
    }

    #[test]
    fn truncate_never_exceeds_length() {
        let s = "The quick brown fox jumps over the lazy dog";
        for n in 0..50 {
            let t = truncate(
                s,
                Some(n),
                None,
                None,
                Kwargs::from_iter(std::iter::empty::<(&str, Value)>()),
            )
            .unwrap();
            assert!(t.chars().count() <= n, "{n}: {t}");
        }
        let (out, _) = render(
            OutputFormat::Html,
            "{{ s|truncate(12) }}|{{ s|truncate(length=12, killwords=true, end='…') }}",
            context! { s },
        )
        .unwrap();
        // Jinja2 cuts at the last space that fits: "The quick" + "..." would be 12.
        assert_eq!(out, "The...|The quick b…");
    }

    #[test]
    fn striptags_removes_markup() {
        assert_eq!(
            striptags("<p>Warm &amp; <b>dry</b></p>\n<!-- x --> ok"),
            "Warm & dry ok"
        );
    }

    #[test]
    fn money_and_date() {
        let (out, _) = render(
            OutputFormat::Html,
            "{{ p|money }} {{ p|money('EUR') }} {{ d|date('%d.%m.%Y') }}",
            context! { p => "19.90", d => "2026-11-27" },
        )
        .unwrap();
        assert_eq!(out, "19.90 USD 19.90 EUR 27.11.2026");
    }

    #[test]
    fn escape_and_indent_work_as_in_jinja2() {
        let (out, _) = render(
            OutputFormat::Csv,
            "{{ t|indent(2) }}|{{ t|indent(width=1, first=true) }}|{{ '<a>'|e }}",
            context! { t => "a\n\nb" },
        )
        .unwrap();
        assert_eq!(out, "a\n\n  b| a\n\n b|&lt;a&gt;");
    }

    #[test]
    fn undefined_is_an_error_when_printed_but_not_when_tested() {
        let err = render(
            OutputFormat::Html,
            "{{ p.missing }}",
            context! { p => context! { a => 1 } },
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UndefinedError);
        assert!(
            render(
                OutputFormat::Html,
                "{% for x in p.missing %}{% endfor %}",
                context! { p => context! { a => 1 } }
            )
            .is_err()
        );
        assert!(
            render(
                OutputFormat::Html,
                "{{ p.missing|upper }}",
                context! { p => context! { a => 1 } }
            )
            .is_err()
        );
        for filter in [
            "tojson",
            "pprint",
            "bool",
            "chain([1])",
            "zip([1])",
            "escape",
            "e",
            "indent(2)",
        ] {
            let err = render(
                OutputFormat::Html,
                &format!("{{{{ p.missing|{filter} }}}}"),
                context! { p => context! { a => 1 } },
            )
            .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UndefinedError, "{filter}");
        }
        let (out, _) = render(
            OutputFormat::Html,
            "{{ p.a|tojson }}{{ p.missing|default(none)|tojson }}{{ [1]|chain([2])|list|length }}",
            context! { p => context! { a => "<x>" } },
        )
        .unwrap();
        assert_eq!(out, "\"\\u003cx\\u003e\"null2");
        let (out, _) = render(
            OutputFormat::Html,
            "{% if p.missing %}x{% endif %}{{ p.missing or 'a' }}{{ p.missing|default('b') }}{{ p.missing is defined }}",
            context! { p => context! { a => 1 } },
        )
        .unwrap();
        assert_eq!(out, "abFalse");
    }

    #[test]
    fn escaping_follows_the_format() {
        let name = "Cedar & Pine 10\" <Skillet>";
        let (html, _) = render(OutputFormat::Html, "{{ n }}", context! { n => name }).unwrap();
        assert_eq!(html, "Cedar &amp; Pine 10&quot; &lt;Skillet&gt;");
        let (json, _) = render(OutputFormat::Json, "{{ n }}", context! { n => name }).unwrap();
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), name);
        let (csv, _) = render(OutputFormat::Csv, "{{ n }}", context! { n => name }).unwrap();
        assert_eq!(csv, name);
    }

    #[test]
    fn row_records_cells() {
        let (out, rows) = render(
            OutputFormat::Csv,
            "{{ row('a', 1, none, true) }}\n",
            context! {},
        )
        .unwrap();
        assert_eq!(out, "\n");
        assert_eq!(rows, "a,1,,true\n");
        // A record of another width is an error where row() is called.
        let err = render(
            OutputFormat::Csv,
            "{{ row('a', 'b') }}\n{{ row('c') }}",
            context! {},
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("record 2 has 1 cells"),
            "{err:#}"
        );
        assert!(render(OutputFormat::Csv, "{{ row([1, 2]) }}", context! {}).is_err());
        assert!(render(OutputFormat::Csv, "{{ row(x) }}", context! {}).is_err());
        assert!(render(OutputFormat::Html, "{{ row('a') }}", context! {}).is_err());
    }
}
