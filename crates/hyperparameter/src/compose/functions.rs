//! The functions an override value may call, evaluated while it is parsed.
//!
//! - `choice(a, b, ...)`: a choice sweep (`a,b` is the same, written simply).
//! - `range(stop)`, `range(start, stop[, step])`: `start + i*step` before `stop`.
//! - `interval(lo, hi)`: a continuous interval, float bounds.
//! - `tag(t1, ..., sweep)` (or `sweep=`): the sweep with tags (e.g. `log`).
//! - `glob(include[, exclude])`: config group options matching the patterns.
//! - `int(x)`, `float(x)`, `str(x)`, `bool(x)` (or `value=x`): casts of elements, lists and
//!   dicts (deeply), choices and ranges (each value), intervals (`int`/`float` only). With
//!   several arguments they cast each, giving a choice: `int(1, 2)` is `1,2`.
//!
//! Arguments are checked as Hydra checks them; the error is the reason, which the parser
//! places at the call.

use super::value::{number_f64, Element, Number, Sweep};

/// An argument or result: an element or a sweep.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    Element(Element),
    Sweep(Sweep),
}

const NAMES: &str = "bool, choice, float, glob, int, interval, range, str, tag";

/// Evaluates `name(positional..., keyword=...)`.
pub(crate) fn call(
    name: &str,
    positional: Vec<Arg>,
    keywords: Vec<(String, Arg)>,
) -> Result<Arg, String> {
    let mut args = Args::new(name, positional, keywords)?;
    match name {
        "choice" => choice(args),
        "range" => {
            let start = args.take("start")?;
            let stop = args.optional("stop");
            let step = args.optional("step");
            args.done()?;
            let start = number(start, "start")?;
            let (start, stop) = match stop {
                Some(stop) => (start, number(stop, "stop")?),
                None => (Number::Int(0), start),
            };
            let step = match step {
                Some(step) => number(step, "step")?,
                None => Number::Int(1),
            };
            if number_f64(step) == 0.0 {
                return Err("the step of a range cannot be 0".into());
            }
            Ok(Arg::Sweep(Sweep::Range {
                start,
                stop,
                step,
                tags: Vec::new(),
            }))
        }
        "interval" => {
            let start = args.take("start")?;
            let end = args.take("end")?;
            args.done()?;
            Ok(Arg::Sweep(Sweep::Interval {
                start: Number::Float(number_f64(number(start, "start")?)),
                end: Number::Float(number_f64(number(end, "end")?)),
                tags: Vec::new(),
            }))
        }
        "tag" => tag(args),
        "glob" => {
            let include = args.take("include")?;
            let exclude = args.optional("exclude");
            args.done()?;
            Ok(Arg::Sweep(Sweep::Glob {
                include: strings(include, "include")?,
                exclude: match exclude {
                    Some(exclude) => strings(exclude, "exclude")?,
                    None => Vec::new(),
                },
            }))
        }
        "int" | "float" | "str" | "bool" => {
            let value = args.cast_value()?;
            cast(name, value)
        }
        "sort" | "shuffle" | "extend_list" | "json_str" => {
            Err(format!("the function `{name}` is not supported"))
        }
        _ => Err(format!("unknown function `{name}` (known: {NAMES})")),
    }
}

/// Positional and keyword arguments of one call, taken by name.
struct Args {
    name: String,
    positional: std::collections::VecDeque<Arg>,
    keywords: Vec<(String, Arg)>,
}

impl Args {
    fn new(name: &str, positional: Vec<Arg>, keywords: Vec<(String, Arg)>) -> Result<Args, String> {
        for (i, (key, _)) in keywords.iter().enumerate() {
            if keywords[..i].iter().any(|(k, _)| k == key) {
                return Err(format!("the argument `{key}` is given twice"));
            }
        }
        Ok(Args {
            name: name.to_string(),
            positional: positional.into(),
            keywords,
        })
    }

    fn optional(&mut self, key: &str) -> Option<Arg> {
        if let Some(arg) = self.positional.pop_front() {
            return Some(arg);
        }
        let at = self.keywords.iter().position(|(k, _)| k == key)?;
        Some(self.keywords.remove(at).1)
    }

    fn take(&mut self, key: &str) -> Result<Arg, String> {
        self.optional(key)
            .ok_or_else(|| format!("`{}` needs the argument `{key}`", self.name))
    }

    fn done(self) -> Result<(), String> {
        if !self.positional.is_empty() {
            return Err(format!("too many arguments to `{}`", self.name));
        }
        match self.keywords.first() {
            Some((key, _)) => Err(format!("`{}` has no argument `{key}`", self.name)),
            None => Ok(()),
        }
    }

    /// The value of a cast: one argument, `value=`, or several (a simple choice).
    fn cast_value(mut self) -> Result<Arg, String> {
        let keyword = self.keywords.iter().position(|(k, _)| k == "value");
        let value = keyword.map(|at| self.keywords.remove(at).1);
        if let Some((key, _)) = self.keywords.first() {
            return Err(format!("`{}` has no argument `{key}`", self.name));
        }
        match (value, self.positional.len()) {
            (Some(_), n) if n > 0 => Err("cannot use both positional and named arguments".into()),
            (Some(value), _) => Ok(value),
            (None, 0) => Err(format!("`{}` needs a value", self.name)),
            (None, 1) => Ok(self.positional.pop_front().expect("one argument")),
            (None, _) => Ok(Arg::Sweep(Sweep::Choice {
                items: self
                    .positional
                    .into_iter()
                    .map(|arg| element(arg, "a choice item"))
                    .collect::<Result<_, _>>()?,
                simple: true,
                tags: Vec::new(),
            })),
        }
    }
}

fn element(arg: Arg, what: &str) -> Result<Element, String> {
    match arg {
        Arg::Element(element) => Ok(element),
        Arg::Sweep(_) => Err(format!("{what} cannot be a sweep")),
    }
}

fn number(arg: Arg, what: &str) -> Result<Number, String> {
    match arg {
        Arg::Element(Element::Int(i)) => Ok(Number::Int(i)),
        Arg::Element(Element::Float(x)) => Ok(Number::Float(x)),
        other => Err(format!(
            "`{what}` must be a number, not {}",
            arg_type(&other)
        )),
    }
}

fn strings(arg: Arg, what: &str) -> Result<Vec<String>, String> {
    match arg {
        Arg::Element(Element::List(items)) => items
            .into_iter()
            .map(|item| match item.as_str() {
                Some(text) => Ok(text.to_string()),
                None => Err(format!(
                    "`{what}` must hold strings, not {}",
                    item_type(&item)
                )),
            })
            .collect(),
        Arg::Element(item) => match item.as_str() {
            Some(text) => Ok(vec![text.to_string()]),
            None => Err(format!(
                "`{what}` must be a string or a list of strings, not {}",
                item_type(&item)
            )),
        },
        Arg::Sweep(_) => Err(format!("`{what}` cannot be a sweep")),
    }
}

fn item_type(element: &Element) -> &'static str {
    match element {
        Element::Null => "null",
        Element::Bool(_) => "a bool",
        Element::Int(_) => "an int",
        Element::Float(_) => "a float",
        Element::Str(_) | Element::Quoted { .. } => "a string",
        Element::List(_) => "a list",
        Element::Dict(_) => "a dict",
    }
}

fn arg_type(arg: &Arg) -> &'static str {
    match arg {
        Arg::Element(element) => item_type(element),
        Arg::Sweep(_) => "a sweep",
    }
}

fn choice(args: Args) -> Result<Arg, String> {
    if let Some((key, _)) = args.keywords.first() {
        return Err(format!("`choice` has no argument `{key}`"));
    }
    let mut positional: Vec<Arg> = args.positional.into();
    if positional.is_empty() {
        return Err("an empty choice is not allowed".into());
    }
    if positional.len() == 1 {
        match positional.pop().expect("one argument") {
            Arg::Sweep(Sweep::Choice {
                items,
                simple: true,
                tags,
            }) => {
                return Ok(Arg::Sweep(Sweep::Choice {
                    items,
                    simple: false,
                    tags,
                }))
            }
            Arg::Sweep(_) => return Err("choices cannot be nested".into()),
            other => positional.push(other),
        }
    }
    let items = positional
        .into_iter()
        .map(|arg| element(arg, "a choice item"))
        .collect::<Result<_, _>>()
        .map_err(|_| "choices cannot be nested".to_string())?;
    Ok(Arg::Sweep(Sweep::Choice {
        items,
        simple: false,
        tags: Vec::new(),
    }))
}

fn tag(mut args: Args) -> Result<Arg, String> {
    let sweep = args
        .keywords
        .iter()
        .position(|(k, _)| k == "sweep")
        .map(|at| args.keywords.remove(at).1);
    if let Some((key, _)) = args.keywords.first() {
        return Err(format!("`tag` has no argument `{key}`"));
    }
    let mut positional: Vec<Arg> = args.positional.into();
    let sweep = match sweep {
        Some(sweep) => sweep,
        None => positional
            .pop()
            .ok_or("`tag` needs at least a sweep to tag")?,
    };
    let mut tags = Vec::new();
    for arg in positional {
        match arg {
            Arg::Element(element) => match element.as_str() {
                Some(text) => tags.push(text.to_string()),
                None => {
                    return Err(format!(
                        "a tag must be a string, not {}",
                        item_type(&element)
                    ))
                }
            },
            Arg::Sweep(_) => return Err("a tag must be a string, not a sweep".into()),
        }
    }
    // Tags are a set: sorted, each once.
    tags.sort();
    tags.dedup();
    match sweep {
        Arg::Sweep(Sweep::Choice { items, simple, .. }) => Ok(Arg::Sweep(Sweep::Choice {
            items,
            simple,
            tags,
        })),
        Arg::Sweep(Sweep::Range {
            start, stop, step, ..
        }) => Ok(Arg::Sweep(Sweep::Range {
            start,
            stop,
            step,
            tags,
        })),
        Arg::Sweep(Sweep::Interval { start, end, .. }) => {
            Ok(Arg::Sweep(Sweep::Interval { start, end, tags }))
        }
        other => Err(format!(
            "the last argument of `tag` must be a choice, range or interval, not {}",
            match other {
                Arg::Sweep(_) => "a glob",
                Arg::Element(ref element) => item_type(element),
            }
        )),
    }
}

/// Applies the cast `name` to an element or a sweep.
fn cast(name: &str, value: Arg) -> Result<Arg, String> {
    match value {
        Arg::Element(element) => cast_element(name, element).map(Arg::Element),
        Arg::Sweep(Sweep::Choice {
            items,
            simple,
            tags,
        }) => Ok(Arg::Sweep(Sweep::Choice {
            items: items
                .into_iter()
                .map(|item| cast_element(name, item))
                .collect::<Result<_, _>>()?,
            simple,
            tags,
        })),
        Arg::Sweep(Sweep::Range {
            start,
            stop,
            step,
            tags,
        }) => {
            if name != "int" && name != "float" {
                return Err("a range can only be cast to int or float".into());
            }
            Ok(Arg::Sweep(Sweep::Range {
                start: cast_number(name, start)?,
                stop: cast_number(name, stop)?,
                step: cast_number(name, step)?,
                tags,
            }))
        }
        Arg::Sweep(Sweep::Interval { start, end, tags }) => {
            if name != "int" && name != "float" {
                return Err(format!("an interval cannot be cast to {name}"));
            }
            Ok(Arg::Sweep(Sweep::Interval {
                start: cast_number(name, start)?,
                end: cast_number(name, end)?,
                tags,
            }))
        }
        Arg::Sweep(Sweep::Glob { .. }) => Err(format!("a glob cannot be cast to {name}")),
    }
}

fn cast_number(name: &str, n: Number) -> Result<Number, String> {
    let element = match n {
        Number::Int(i) => Element::Int(i),
        Number::Float(x) => Element::Float(x),
    };
    match cast_element(name, element)? {
        Element::Int(i) => Ok(Number::Int(i)),
        Element::Float(x) => Ok(Number::Float(x)),
        _ => unreachable!("int and float casts give numbers"),
    }
}

/// Casts an element; lists and dicts are cast item by item.
fn cast_element(name: &str, element: Element) -> Result<Element, String> {
    let element = element.unquoted();
    match element {
        Element::List(items) => {
            return items
                .into_iter()
                .map(|item| cast_element(name, item))
                .collect::<Result<_, _>>()
                .map(Element::List)
        }
        Element::Dict(entries) => {
            return entries
                .into_iter()
                .map(|(key, value)| Ok((key, cast_element(name, value)?)))
                .collect::<Result<_, String>>()
                .map(Element::Dict)
        }
        Element::Null => return Err(format!("null cannot be cast to {name}")),
        _ => {}
    }
    match name {
        "int" => match element {
            Element::Int(i) => Ok(Element::Int(i)),
            Element::Bool(b) => Ok(Element::Int(i64::from(b))),
            Element::Float(x) => {
                let t = x.trunc();
                if x.is_finite() && t >= i64::MIN as f64 && t < i64::MAX as f64 {
                    Ok(Element::Int(t as i64))
                } else {
                    Err(format!("cannot cast {} to int", Element::Float(x)))
                }
            }
            Element::Str(text) => {
                let clean: String = text.trim().chars().filter(|&c| c != '_').collect();
                clean
                    .parse::<i64>()
                    .map(Element::Int)
                    .map_err(|_| format!("cannot cast '{text}' to int"))
            }
            _ => unreachable!("lists, dicts, null and quotes handled above"),
        },
        "float" => match element {
            Element::Int(i) => Ok(Element::Float(i as f64)),
            Element::Bool(b) => Ok(Element::Float(if b { 1.0 } else { 0.0 })),
            Element::Float(x) => Ok(Element::Float(x)),
            Element::Str(text) => {
                let clean: String = text.trim().chars().filter(|&c| c != '_').collect();
                clean
                    .parse::<f64>()
                    .map(Element::Float)
                    .map_err(|_| format!("cannot cast '{text}' to float"))
            }
            _ => unreachable!("lists, dicts, null and quotes handled above"),
        },
        "str" => Ok(Element::Str(match element {
            Element::Int(i) => i.to_string(),
            Element::Bool(b) => b.to_string(),
            Element::Float(x) => crate::format_float(x),
            Element::Str(text) => text,
            _ => unreachable!("lists, dicts, null and quotes handled above"),
        })),
        _ => match element {
            Element::Bool(b) => Ok(Element::Bool(b)),
            Element::Int(i) => Ok(Element::Bool(i != 0)),
            Element::Float(x) => Ok(Element::Bool(x != 0.0)),
            Element::Str(text) => match text.to_ascii_lowercase().as_str() {
                "true" => Ok(Element::Bool(true)),
                "false" => Ok(Element::Bool(false)),
                _ => Err(format!("cannot cast '{text}' to bool")),
            },
            _ => unreachable!("lists, dicts, null and quotes handled above"),
        },
    }
}
