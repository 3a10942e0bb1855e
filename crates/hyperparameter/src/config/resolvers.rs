//! Resolvers: the `${name:arguments}` forms of interpolation beyond key references.
//!
//! Built in:
//! - `${env:NAME}` / `${env:NAME,default}`, and `${oc.env:...}` (OmegaConf's name), read the
//!   environment as text.
//! - `${now:FORMAT}` formats the local time with `strftime` codes (`%Y-%m-%d_%H-%M-%S`).
//!   Every `${now:...}` of a process formats the same instant, the first one asked for, so
//!   `out/${now:%Y-%m-%d}/${now:%H-%M-%S}` never straddles midnight.
//! - `${hydra:KEY}` is a run's value set with [`set_run_info`] (the launcher sets
//!   `runtime.output_dir`, `runtime.cwd` and `job.name`; `runtime.cwd` is the working
//!   directory when nothing set it), else the key `hydra.KEY` of the configuration itself
//!   (`${hydra:run.dir}`), as Hydra reads its own node.
//!
//! Anything else is a resolver registered with [`register_resolver`]: a function of the
//! arguments, which are typed as override values are (`${add:1,2.5}` passes an int and a
//! float; `'quoted'` and bare words are strings). Arguments may not contain `{`, `}` or
//! `$`. Each reference is resolved once, when the configuration is loaded.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::SystemTime;

use crate::compose::{Element, Override, OverrideValue, Sweep};
use crate::{Error, Result, Value};

/// A registered resolver: the arguments in, a value or a message out.
pub type ResolverFn = dyn Fn(&[Value]) -> std::result::Result<Value, String> + Send + Sync;

/// The names the built-in resolvers take; [`register_resolver`] refuses them.
pub const BUILT_IN_RESOLVERS: [&str; 4] = ["env", "oc.env", "now", "hydra"];

fn registry() -> &'static RwLock<HashMap<String, Arc<ResolverFn>>> {
    static REGISTRY: OnceLock<RwLock<HashMap<String, Arc<ResolverFn>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn run_info() -> &'static RwLock<HashMap<String, String>> {
    static RUN_INFO: OnceLock<RwLock<HashMap<String, String>>> = OnceLock::new();
    RUN_INFO.get_or_init(Default::default)
}

/// Whether `name` can name a resolver: identifiers joined by dots (`add`, `my.lib.sum`).
pub fn is_resolver_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Registers `function` as `${name:...}`; with `replace` an earlier one of that name is
/// replaced, otherwise it is an error. Built-in names cannot be taken.
pub fn register_resolver(
    name: &str,
    function: impl Fn(&[Value]) -> std::result::Result<Value, String> + Send + Sync + 'static,
    replace: bool,
) -> Result<()> {
    let refuse = |reason: String| Error::InvalidKey {
        key: name.to_string(),
        reason,
    };
    if !is_resolver_name(name) {
        return Err(refuse(
            "a resolver name is identifiers joined by dots (`add`, `my.sum`)".into(),
        ));
    }
    if BUILT_IN_RESOLVERS.contains(&name) {
        return Err(refuse(format!("`{name}` is a built-in resolver")));
    }
    let mut resolvers = registry().write().unwrap_or_else(|e| e.into_inner());
    if resolvers.contains_key(name) && !replace {
        return Err(refuse(format!(
            "a resolver `{name}` is registered already (pass replace to change it)"
        )));
    }
    resolvers.insert(name.to_string(), Arc::new(function));
    Ok(())
}

/// Removes the resolver `name`; whether there was one.
pub fn remove_resolver(name: &str) -> bool {
    let mut resolvers = registry().write().unwrap_or_else(|e| e.into_inner());
    resolvers.remove(name).is_some()
}

/// The registered resolver `name`, if any.
pub(crate) fn registered(name: &str) -> Option<Arc<ResolverFn>> {
    let resolvers = registry().read().unwrap_or_else(|e| e.into_inner());
    resolvers.get(name).cloned()
}

/// Sets (or with `None` clears) a run's value that `${hydra:KEY}` reads, such as
/// `runtime.output_dir` or `job.name`.
pub fn set_run_info(key: &str, value: Option<&str>) {
    let mut info = run_info().write().unwrap_or_else(|e| e.into_inner());
    match value {
        Some(value) => info.insert(key.to_string(), value.to_string()),
        None => info.remove(key),
    };
}

/// The run's value `${hydra:KEY}` reads, when one is set (`runtime.cwd` always is).
pub(crate) fn run_value(key: &str) -> Option<String> {
    let info = run_info().read().unwrap_or_else(|e| e.into_inner());
    if let Some(value) = info.get(key) {
        return Some(value.clone());
    }
    if key == "runtime.cwd" {
        return std::env::current_dir()
            .ok()
            .map(|dir| dir.to_string_lossy().into_owned());
    }
    None
}

/// The arguments of `${name:text}`, typed as override values are.
pub(crate) fn parse_arguments(text: &str) -> std::result::Result<Vec<Value>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let parsed = Override::parse(&format!("_={text}")).map_err(|err| match err {
        Error::Override { msg, .. } => format!("bad arguments `{text}`: {msg}"),
        other => other.to_string(),
    })?;
    let elements = match parsed.value {
        Some(OverrideValue::Element(element)) => vec![element],
        Some(OverrideValue::Sweep(Sweep::Choice {
            items,
            simple: true,
            ..
        })) => items,
        _ => {
            return Err(format!(
                "bad arguments `{text}`: expected values separated by `,`"
            ))
        }
    };
    Ok(elements.iter().map(element_value).collect())
}

fn element_value(element: &Element) -> Value {
    match element {
        Element::Null => Value::Null,
        Element::Bool(b) => Value::Bool(*b),
        Element::Int(i) => Value::Int(*i),
        Element::Float(x) => Value::Float(*x),
        Element::Str(text) | Element::Quoted { text, .. } => Value::Str(Arc::from(text.as_str())),
        Element::List(items) => Value::List(Arc::new(items.iter().map(element_value).collect())),
        Element::Dict(entries) => Value::Map(Arc::new(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), element_value(value)))
                .collect(),
        )),
    }
}

/// `${now:format}`: the process's one instant in local time, formatted; the message says
/// what is wrong with a bad format.
pub(crate) fn format_now(format: &str) -> std::result::Result<String, String> {
    use chrono::format::{Item, StrftimeItems};
    static INSTANT: OnceLock<SystemTime> = OnceLock::new();
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "`{format}` is not a valid time format (strftime codes such as %Y-%m-%d_%H-%M-%S)"
        ));
    }
    let instant = *INSTANT.get_or_init(SystemTime::now);
    let local: chrono::DateTime<chrono::Local> = instant.into();
    Ok(local.format_with_items(items.into_iter()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_typed_like_override_values() {
        assert_eq!(parse_arguments("").unwrap(), vec![]);
        assert_eq!(
            parse_arguments("1, 2.5, true, 'x y', word, null").unwrap(),
            vec![
                Value::Int(1),
                Value::Float(2.5),
                Value::Bool(true),
                Value::Str("x y".into()),
                Value::Str("word".into()),
                Value::Null
            ]
        );
        assert!(
            parse_arguments("[1,2]").unwrap()[0] == Value::List(Arc::new(vec![1.into(), 2.into()]))
        );
        assert!(parse_arguments("range(1,3)").is_err());
    }

    #[test]
    fn names_and_registration_rules() {
        assert!(is_resolver_name("add") && is_resolver_name("my.sum_2"));
        assert!(!is_resolver_name("") && !is_resolver_name("1x") && !is_resolver_name("a..b"));
        assert!(register_resolver("env", |_| Ok(Value::Null), true).is_err());
        register_resolver("resolvers_test.one", |_| Ok(Value::Int(1)), false).unwrap();
        assert!(register_resolver("resolvers_test.one", |_| Ok(Value::Int(2)), false).is_err());
        register_resolver("resolvers_test.one", |_| Ok(Value::Int(2)), true).unwrap();
        assert_eq!(
            registered("resolvers_test.one").unwrap()(&[]).unwrap(),
            Value::Int(2)
        );
        assert!(remove_resolver("resolvers_test.one"));
        assert!(!remove_resolver("resolvers_test.one"));
    }

    #[test]
    fn now_formats_one_instant_and_refuses_bad_formats() {
        let first = format_now("%Y-%m-%d %H:%M:%S%.f").unwrap();
        assert_eq!(format_now("%Y-%m-%d %H:%M:%S%.f").unwrap(), first);
        assert!(format_now("%Q").is_err());
    }
}
