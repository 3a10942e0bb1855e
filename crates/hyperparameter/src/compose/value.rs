//! The values an override can carry: typed elements (as Hydra types them) and sweeps.
//!
//! Every value prints back in override syntax ([`fmt::Display`]), and the printed text
//! parses to the same value.

use std::fmt;

/// The quote a quoted string was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    /// `'...'`
    Single,
    /// `"..."`
    Double,
}

/// One value of an override: a primitive, a list or a dict (nested freely).
#[derive(Clone, Debug, PartialEq)]
pub enum Element {
    /// `null` (any case).
    Null,
    /// `true` / `false` (any case).
    Bool(bool),
    /// A decimal integer (`_` between digits allowed).
    Int(i64),
    /// A float (`1.5`, `1e-3`, `inf`, `nan`).
    Float(f64),
    /// Unquoted text, escapes removed; it may hold `${...}` references.
    Str(String),
    /// A quoted string, escapes removed.
    Quoted {
        /// The text between the quotes.
        text: String,
        /// Which quote it was written with.
        quote: Quote,
    },
    /// `[a, b, ...]`
    List(Vec<Element>),
    /// `{k: v, ...}`, keys as written (escapes removed), in order.
    Dict(Vec<(String, Element)>),
}

/// A number bound of a range or interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer bound.
    Int(i64),
    /// A float bound.
    Float(f64),
}

/// A sweep: several values for one key, run later by a sweeper or a tuner.
#[derive(Clone, Debug, PartialEq)]
pub enum Sweep {
    /// `a,b,c` (`simple`) or `choice(a, b, c)`.
    Choice {
        /// The options, in order.
        items: Vec<Element>,
        /// Written as `a,b,c` rather than `choice(...)`.
        simple: bool,
        /// Tags from `tag(...)`.
        tags: Vec<String>,
    },
    /// `range(start, stop, step)`: `start + i*step` while before `stop`.
    Range {
        /// First value.
        start: Number,
        /// Bound, excluded.
        stop: Number,
        /// Increment (may be negative).
        step: Number,
        /// Tags from `tag(...)`.
        tags: Vec<String>,
    },
    /// `interval(lo, hi)`: a continuous range `lo <= x < hi` (int bounds after `int(...)`).
    Interval {
        /// Lower bound.
        start: Number,
        /// Upper bound.
        end: Number,
        /// Tags from `tag(...)`, e.g. `log`.
        tags: Vec<String>,
    },
    /// `glob(include, exclude)`: the options of a config group matching the patterns.
    Glob {
        /// Patterns to take.
        include: Vec<String>,
        /// Patterns to leave out.
        exclude: Vec<String>,
    },
}

/// What follows `=` in an override: one element or a sweep.
#[derive(Clone, Debug, PartialEq)]
pub enum OverrideValue {
    /// A single value.
    Element(Element),
    /// Several values to sweep over.
    Sweep(Sweep),
}

impl Sweep {
    /// The last value a `range(start, stop, step)` takes (the stop is excluded), or `None`
    /// when the range is empty or the sweep is not a range. Integer bounds and step give an
    /// integer; any float among them gives a float.
    ///
    /// ```
    /// use hyperparameter::compose::{Number, OverrideValue, Sweep};
    ///
    /// let OverrideValue::Sweep(sweep) = OverrideValue::parse("range(1, 10, 3)")? else {
    ///     unreachable!()
    /// };
    /// assert_eq!(sweep.range_last(), Some(Number::Int(7)));
    /// # Ok::<(), hyperparameter::Error>(())
    /// ```
    pub fn range_last(&self) -> Option<Number> {
        let Sweep::Range {
            start, stop, step, ..
        } = self
        else {
            return None;
        };
        match (*start, *stop, *step) {
            (Number::Int(start), Number::Int(stop), Number::Int(step)) => {
                let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
                // The number of values: ceil((stop - start) / step), none when the step
                // points away from the stop.
                let span = stop - start;
                if span == 0 || (span > 0) != (step > 0) {
                    return None;
                }
                let count = (span.abs() + step.abs() - 1) / step.abs();
                i64::try_from(start + (count - 1) * step)
                    .ok()
                    .map(Number::Int)
            }
            (start, stop, step) => {
                let (start, stop, step) = (number_f64(start), number_f64(stop), number_f64(step));
                let count = ((stop - start) / step).ceil();
                // NaN bounds give a NaN count, which is in no range.
                if !(1.0..=f64::MAX).contains(&count) {
                    return None;
                }
                Some(Number::Float(start + (count - 1.0) * step))
            }
        }
    }
}

impl Element {
    /// The text of a string element (quoted or not).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Element::Str(text) | Element::Quoted { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The element with quoted strings turned into plain ones, deeply (quotes only matter
    /// while parsing).
    pub fn unquoted(self) -> Element {
        match self {
            Element::Quoted { text, .. } => Element::Str(text),
            Element::List(items) => {
                Element::List(items.into_iter().map(Element::unquoted).collect())
            }
            Element::Dict(entries) => Element::Dict(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, value.unquoted()))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// Characters that must be escaped with `\` in unquoted text.
pub(crate) const ESCAPED: &str = "\\()[]{}:=, \t";

/// Writes a string as unquoted text with escapes, or `None` when it cannot be written so
/// (it would read back as another type, or holds characters only quotes allow).
fn bare(text: &str) -> Option<String> {
    if text.is_empty() || text.contains("${") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ESCAPED.contains(c) {
            out.push('\\');
            out.push(c);
        } else if c.is_ascii_alphanumeric() || "_-/+.$%*@?|".contains(c) {
            out.push(c);
        } else {
            return None;
        }
    }
    // Text that reads back as a number, bool or null, or as a function, needs quotes.
    match super::grammar::parse_element(&out) {
        Ok(Element::Str(back)) if back == text => Some(out),
        _ => None,
    }
}

/// Writes `text` between `quote`s, escaping backslashes that precede a quote or the end.
fn quoted(text: &str, quote: Quote) -> String {
    let q = match quote {
        Quote::Single => '\'',
        Quote::Double => '"',
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(q);
    let mut backslashes = 0usize;
    for c in text.chars() {
        if c == '\\' {
            backslashes += 1;
            continue;
        }
        if c == q {
            out.extend(std::iter::repeat_n('\\', 2 * backslashes + 1));
        } else {
            out.extend(std::iter::repeat_n('\\', backslashes));
        }
        backslashes = 0;
        out.push(c);
    }
    out.extend(std::iter::repeat_n('\\', 2 * backslashes));
    out.push(q);
    out
}

fn write_str(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    match bare(text) {
        Some(bare) => f.write_str(&bare),
        None => f.write_str(&quoted(text, Quote::Single)),
    }
}

/// A float in override syntax (always reads back as a float).
fn float_text(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        // Rust's shortest round-trip form; add `.0` when it would read as an integer.
        let text = format!("{x:?}");
        if text.contains(['.', 'e', 'E']) {
            text
        } else {
            format!("{text}.0")
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => f.write_str(&float_text(*x)),
        }
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Element::Null => f.write_str("null"),
            Element::Bool(b) => write!(f, "{b}"),
            Element::Int(i) => write!(f, "{i}"),
            Element::Float(x) => f.write_str(&float_text(*x)),
            Element::Str(text) => write_str(f, text),
            Element::Quoted { text, quote } => f.write_str(&quoted(text, *quote)),
            Element::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Element::Dict(entries) => {
                f.write_str("{")?;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_key(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Dict keys are unquoted text with escapes (quotes are not allowed there).
fn write_key(f: &mut fmt::Formatter<'_>, key: &str) -> fmt::Result {
    for c in key.chars() {
        if ESCAPED.contains(c) {
            write!(f, "\\{c}")?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

fn write_tagged(f: &mut fmt::Formatter<'_>, tags: &[String], inner: &str) -> fmt::Result {
    if tags.is_empty() {
        return f.write_str(inner);
    }
    f.write_str("tag(")?;
    for tag in tags {
        write_str(f, tag)?;
        f.write_str(",")?;
    }
    write!(f, "{inner})")
}

fn join(items: &[Element]) -> String {
    items
        .iter()
        .map(Element::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn str_list(items: &[String]) -> String {
    join(&items.iter().cloned().map(Element::Str).collect::<Vec<_>>())
}

impl fmt::Display for Sweep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sweep::Choice {
                items,
                simple,
                tags,
            } => {
                if *simple && tags.is_empty() {
                    f.write_str(&join(items))
                } else {
                    write_tagged(f, tags, &format!("choice({})", join(items)))
                }
            }
            Sweep::Range {
                start,
                stop,
                step,
                tags,
            } => write_tagged(f, tags, &format!("range({start},{stop},{step})")),
            Sweep::Interval { start, end, tags } => {
                let inner = match (start, end) {
                    (Number::Int(a), Number::Int(b)) => format!("int(interval({a},{b}))"),
                    _ => format!(
                        "interval({},{})",
                        float_text(number_f64(*start)),
                        float_text(number_f64(*end))
                    ),
                };
                write_tagged(f, tags, &inner)
            }
            Sweep::Glob { include, exclude } => write!(
                f,
                "glob([{}],exclude=[{}])",
                str_list(include),
                str_list(exclude)
            ),
        }
    }
}

impl fmt::Display for OverrideValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideValue::Element(element) => write!(f, "{element}"),
            OverrideValue::Sweep(sweep) => write!(f, "{sweep}"),
        }
    }
}

/// A bound as a float.
pub(crate) fn number_f64(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(x) => x,
    }
}
