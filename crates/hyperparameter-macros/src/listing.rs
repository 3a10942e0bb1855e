//! What a read registers for listings such as `--list-params`: its default shown the way a
//! user writes a value on the command line, and the type the read converts to, both worked
//! out from the default's tokens when the macro expands.

use quote::ToTokens;
use syn::{Expr, Lit, UnOp};

/// The default as a command-line value (`1` for `1i64`, `ex` for `"ex"`, `-2.5`, `true`,
/// `""` for an empty string) and its type (`i64`, `String`, `f64`, `bool`; an unsuffixed
/// integer is an `i32`, as Rust infers it). An expression that is not a literal is shown as
/// written and its type is left empty.
pub fn default_for_listing(default: &Expr) -> (String, &'static str) {
    literal(default).unwrap_or_else(|| (tokens_text(default), ""))
}

fn literal(expr: &Expr) -> Option<(String, &'static str)> {
    match expr {
        Expr::Paren(inner) => literal(&inner.expr),
        Expr::Group(inner) => literal(&inner.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
            let (text, type_name) = literal(&unary.expr)?;
            let numeric = matches!(type_name, "f32" | "f64") || type_name.starts_with('i');
            numeric.then(|| (format!("-{text}"), type_name))
        }
        Expr::Lit(literal) => match &literal.lit {
            Lit::Int(int) => Some((
                int.base10_digits().to_string(),
                numeric_type(int.suffix(), "i32")?,
            )),
            Lit::Float(float) => Some((
                float.base10_digits().to_string(),
                numeric_type(float.suffix(), "f64")?,
            )),
            Lit::Str(text) => {
                let value = text.value();
                Some((
                    if value.is_empty() {
                        "\"\"".to_string()
                    } else {
                        value
                    },
                    "String",
                ))
            }
            Lit::Bool(flag) => Some((flag.value.to_string(), "bool")),
            _ => None,
        },
        _ => None,
    }
}

/// The type a numeric suffix names, `unsuffixed` without one; None for a suffix that is
/// not a number type.
fn numeric_type(suffix: &str, unsuffixed: &'static str) -> Option<&'static str> {
    const TYPES: [&str; 14] = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "f32", "f64",
    ];
    if suffix.is_empty() {
        return Some(unsuffixed);
    }
    TYPES.iter().copied().find(|name| *name == suffix)
}

/// The expression's tokens as text, without the spaces `TokenStream`'s display puts
/// between every pair of tokens where Rust source would have none.
fn tokens_text(expr: &Expr) -> String {
    let text = expr.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let previous = out.chars().last();
        let tight_before = matches!(next, Some('(' | ')' | ',' | '.' | ':' | '[' | ']'));
        let tight_after = matches!(previous, Some('(' | '[' | '.' | ':' | '&' | '!'));
        if c == ' ' && (tight_before || tight_after) {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(source: &str) -> (String, &'static str) {
        default_for_listing(&syn::parse_str(source).unwrap())
    }

    #[test]
    fn literals_are_shown_as_values_with_their_type() {
        assert_eq!(shown("1i64"), ("1".into(), "i64"));
        assert_eq!(shown("1"), ("1".into(), "i32"));
        assert_eq!(shown("10_000u32"), ("10000".into(), "u32"));
        assert_eq!(shown("1.5"), ("1.5".into(), "f64"));
        assert_eq!(shown("-2.5f32"), ("-2.5".into(), "f32"));
        assert_eq!(shown("-(3i64)"), ("-3".into(), "i64"));
        assert_eq!(shown("\"unnamed\""), ("unnamed".into(), "String"));
        assert_eq!(shown("\"\""), ("\"\"".into(), "String"));
        assert_eq!(shown("\"a\\tb\""), ("a\tb".into(), "String"));
        assert_eq!(shown("true"), ("true".into(), "bool"));
    }

    #[test]
    fn other_expressions_are_shown_as_written() {
        assert_eq!(shown("String::new()"), ("String::new()".into(), ""));
        assert_eq!(shown("f(a, b.c)"), ("f(a, b.c)".into(), ""));
        assert_eq!(shown("'x'"), ("'x'".into(), ""));
    }
}
