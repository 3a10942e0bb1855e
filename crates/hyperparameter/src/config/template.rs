//! The text of an interpolated value: literal pieces and `${...}` references, parsed, and
//! what does not depend on other values settled before resolution (relative references made
//! absolute, `${now:...}` formatted, `${hydra:...}` looked up). [`super::interpolate`]
//! resolves the rest.

use super::resolvers::{self, BUILT_IN_RESOLVERS};
use super::tree::{dotted, Step};
use crate::{validate_key, Value};

/// One part of a text: literal text or a reference.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Piece {
    Literal(String),
    Reference(Reference),
}

/// What a `${...}` names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reference {
    /// `${a.b}`
    Key(String),
    /// `${.b}` (`up` 1), `${..b}` (`up` 2): a key beside the value holding it, or above.
    Relative { up: usize, key: String },
    /// `${env:NAME}` or `${env:NAME,default}`
    Env {
        name: String,
        default: Option<String>,
    },
    /// `${now:FORMAT}`
    Now(String),
    /// `${hydra:KEY}`
    Hydra(String),
    /// `${name:arguments}` for a registered resolver, its arguments typed.
    Call { name: String, args: Vec<Value> },
}

impl Reference {
    pub(crate) fn written(&self) -> String {
        match self {
            Reference::Key(key) => format!("${{{key}}}"),
            Reference::Relative { up, key } => format!("${{{}{key}}}", ".".repeat(*up)),
            Reference::Env {
                name,
                default: None,
            } => format!("${{env:{name}}}"),
            Reference::Env {
                name,
                default: Some(default),
            } => format!("${{env:{name},{default}}}"),
            Reference::Now(format) => format!("${{now:{format}}}"),
            Reference::Hydra(key) => format!("${{hydra:{key}}}"),
            Reference::Call { name, args } => {
                let args: Vec<String> = args.iter().map(Value::to_string).collect();
                format!("${{{name}:{}}}", args.join(","))
            }
        }
    }
}

/// Splits a text into literal pieces and references; the error says what is wrong.
pub(crate) fn parse_template(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        literal.push_str(&rest[..dollar]);
        let after = &rest[dollar..];
        if let Some(escaped) = after.strip_prefix("$${") {
            literal.push_str("${");
            rest = escaped;
        } else if let Some(body_start) = after.strip_prefix("${") {
            let Some(end) = body_start.find('}') else {
                return Err(format!("unclosed `${{` in {text:?} (expected `}}`)"));
            };
            let body = &body_start[..end];
            if body.contains(['$', '{']) {
                return Err(format!("nested references are not supported in {text:?}"));
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Reference(parse_reference(body)?));
            rest = &body_start[end + 1..];
        } else {
            literal.push('$');
            rest = &after[1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

fn parse_reference(body: &str) -> Result<Reference, String> {
    let written = format!("${{{body}}}");
    if body.contains(['$', '{']) {
        return Err(format!(
            "nested references are not supported: `{written}...`"
        ));
    }
    let body = body.trim();
    if body.is_empty() {
        return Err("empty reference `${}`".into());
    }
    if let Some(env) = body
        .strip_prefix("env:")
        .or_else(|| body.strip_prefix("oc.env:"))
    {
        let (name, default) = match env.split_once(',') {
            Some((name, default)) => (name.trim(), Some(default.trim().to_string())),
            None => (env.trim(), None),
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!(
                "`{written}` needs an environment variable name (`${{env:NAME}}`)"
            ));
        }
        return Ok(Reference::Env {
            name: name.to_string(),
            default,
        });
    }
    if let Some(format) = body.strip_prefix("now:") {
        return Ok(Reference::Now(format.trim().to_string()));
    }
    if let Some(key) = body.strip_prefix("hydra:") {
        let key = key.trim();
        validate_key(key).map_err(|err| format!("invalid reference `{written}`: {err}"))?;
        return Ok(Reference::Hydra(key.to_string()));
    }
    if let Some((name, args)) = body.split_once(':') {
        let name = name.trim();
        if resolvers::registered(name).is_none() {
            return Err(format!(
                "unknown resolver `{name}` in `{written}` (the built-in ones are {}; others \
                 are registered with `register_resolver`)",
                BUILT_IN_RESOLVERS
                    .map(|name| format!("`{name}`"))
                    .join(", ")
            ));
        }
        let args =
            resolvers::parse_arguments(args).map_err(|msg| format!("in `{written}`: {msg}"))?;
        return Ok(Reference::Call {
            name: name.to_string(),
            args,
        });
    }
    if body.starts_with('.') {
        let key = body.trim_start_matches('.');
        let up = body.len() - key.len();
        validate_key(key).map_err(|err| format!("invalid reference `{written}`: {err}"))?;
        return Ok(Reference::Relative {
            up,
            key: key.to_string(),
        });
    }
    validate_key(body).map_err(|err| format!("invalid reference `{written}`: {err}"))?;
    Ok(Reference::Key(body.to_string()))
}

/// The pieces of the text at `path` with what does not depend on other values settled:
/// relative references made absolute, `${now:...}` formatted, and `${hydra:...}` replaced
/// by the run's value or by a reference to the tree's own `hydra` node.
pub(crate) fn anchored(pieces: Vec<Piece>, path: &[Step]) -> Result<Vec<Piece>, String> {
    pieces
        .into_iter()
        .map(|piece| match piece {
            Piece::Reference(reference @ Reference::Relative { .. }) => {
                let Reference::Relative { up, key } = &reference else {
                    unreachable!("matched above")
                };
                let Some(base) = path.len().checked_sub(*up) else {
                    return Err(format!(
                        "`{}` goes above the top of the configuration",
                        reference.written()
                    ));
                };
                let base = dotted(&path[..base]);
                Ok(Piece::Reference(Reference::Key(if base.is_empty() {
                    key.clone()
                } else {
                    format!("{base}.{key}")
                })))
            }
            Piece::Reference(Reference::Now(format)) => {
                resolvers::format_now(&format).map(Piece::Literal)
            }
            Piece::Reference(Reference::Hydra(key)) => Ok(match resolvers::run_value(&key) {
                Some(value) => Piece::Literal(value),
                None => Piece::Reference(Reference::Key(format!("hydra.{key}"))),
            }),
            other => Ok(other),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Piece {
        Piece::Reference(Reference::Key(k.into()))
    }

    fn lit(s: &str) -> Piece {
        Piece::Literal(s.into())
    }

    #[test]
    fn templates() {
        assert_eq!(parse_template("${a.b}"), Ok(vec![key("a.b")]));
        assert_eq!(
            parse_template("x ${ a } $5 $${b} }"),
            Ok(vec![lit("x "), key("a"), lit(" $5 ${b} }")])
        );
        assert_eq!(
            parse_template("${env:HOME, /tmp }"),
            Ok(vec![Piece::Reference(Reference::Env {
                name: "HOME".into(),
                default: Some("/tmp".into())
            })])
        );
        assert!(parse_template("${a").unwrap_err().contains("unclosed"));
        assert!(parse_template("${}").unwrap_err().contains("empty"));
        assert!(parse_template("${a.${b}}").unwrap_err().contains("nested"));
        assert!(parse_template("${oc.x:1}")
            .unwrap_err()
            .contains("unknown resolver"));
        assert!(parse_template("${env:}")
            .unwrap_err()
            .contains("variable name"));
        assert!(parse_template("${a b}")
            .unwrap_err()
            .contains("invalid reference"));
    }
}
