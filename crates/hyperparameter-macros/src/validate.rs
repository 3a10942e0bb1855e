//! Checks the parsed macros before anything is emitted: every key must be a valid dotted key, and
//! its hash is computed here, at compile time. All invalid keys of one invocation are
//! reported together, each at the tokens that spell it.

use hyperparameter_key::{key_hash, key_problem};
use proc_macro2::Span;

use crate::key_path::KeyPath;
use crate::parse::{GetParam, Item, Statement, WithParams};

/// A key that passed validation, with its hash.
pub struct CheckedKey {
    /// The key text.
    pub text: String,
    /// `xxh64(utf8(text), 42)`.
    pub hash: u64,
    /// Where the key is written.
    pub span: Span,
}

/// Validates one key, as an error spanning the key's tokens when it breaks a rule.
pub fn check_key(key: KeyPath) -> syn::Result<CheckedKey> {
    match key_problem(&key.text) {
        Some(reason) => Err(syn::Error::new_spanned(
            &key.tokens,
            format!("invalid key `{}`: {reason}", key.text),
        )),
        None => Ok(CheckedKey {
            hash: key_hash(&key.text),
            span: key.span(),
            text: key.text,
        }),
    }
}

/// Collects errors so that one compile reports every bad key at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn keep<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                match &mut self.0 {
                    Some(first) => first.combine(err),
                    None => self.0 = Some(err),
                }
                None
            }
        }
    }

    fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(err) => Err(err),
            None => Ok(value),
        }
    }
}

/// Validates every key of a `with_params!` block.
pub fn check_with_params(input: WithParams<KeyPath>) -> syn::Result<WithParams<CheckedKey>> {
    let mut errors = Errors::default();
    let mut statements = Vec::with_capacity(input.statements.len());
    for statement in input.statements {
        let checked = match statement {
            Statement::Item(item) => errors.keep(check_item(item)).map(Statement::Item),
            Statement::Rust(statement) => Some(Statement::Rust(statement)),
            Statement::Tail(expression) => Some(Statement::Tail(expression)),
        };
        statements.extend(checked);
    }
    errors.finish(WithParams {
        is_async: input.is_async,
        statements,
    })
}

fn check_item(item: Item<KeyPath>) -> syn::Result<Item<CheckedKey>> {
    Ok(match item {
        Item::Set { key, value } => Item::Set {
            key: check_key(key)?,
            value,
        },
        Item::Get {
            fallible,
            mutability,
            binding,
            key,
            default,
        } => Item::Get {
            fallible,
            mutability,
            binding,
            key: check_key(key)?,
            default,
        },
        Item::Params { scope } => Item::Params { scope },
    })
}

/// Validates the key of a `get_param!`.
pub fn check_get_param(input: GetParam<KeyPath>) -> syn::Result<GetParam<CheckedKey>> {
    Ok(GetParam {
        key: check_key(input.key)?,
        default: input.default,
        help: input.help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str) -> syn::Result<WithParams<CheckedKey>> {
        check_with_params(syn::parse_str(source).unwrap())
    }

    #[test]
    fn valid_keys_get_their_hash() {
        let checked = check("set a.b = 1; get x = layers.0.size or 1;").unwrap();
        let Statement::Item(Item::Set { key, .. }) = &checked.statements[0] else {
            panic!("not a set");
        };
        assert_eq!(key.text, "a.b");
        assert_eq!(key.hash, 11414479579488969833);
    }

    #[test]
    fn every_invalid_key_is_reported() {
        let err = check("set \"a..b\" = 1; set ok.key = 1; get x = \"a b\" or 1;")
            .err()
            .unwrap();
        let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("invalid key `a..b`: empty segment"));
        assert!(messages[1].contains("contains whitespace"));
        assert!(check("set a..b = 1;").is_err());
        assert!(check("set \"a.$x\" = 1;").is_err());
    }
}
