//! The grammar of `with_params!` and `get_param!`, from tokens to a syntax tree.
//!
//! A `with_params!` body is ordinary Rust with items mixed in. An item is recognised only by
//! its first tokens, and only where a token sequence could never be valid Rust, so a user's
//! variable or function named `set`, `get`, `try_get` or `params` keeps working:
//!
//! | starts with                     | item          | ordinary Rust (examples)            |
//! |---------------------------------|---------------|-------------------------------------|
//! | `@set`, `@get`, `@try_get`, `@params` | always  | (never valid Rust)                  |
//! | `set` + identifier/number/string | `set`        | `set.insert(1)`, `set = x`, `set as u8` |
//! | `get` / `try_get` + identifier  | `get`/`try_get` | `get(x)`, `get.0`, `get as u8`    |
//! | `params` + identifier or `&`    | `params`      | `params.push(1)`, `params(x)`, `params::f()` |
//! | `async ;` (first only)          | async marker  | `async { .. }`, `async move { .. }` |
//!
//! Everything else is parsed as a Rust statement by `syn` and emitted unchanged.

use syn::buffer::Cursor;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Stmt, Token};

use crate::key_path::KeyPath;

/// A parsed `with_params!` invocation.
pub struct WithParams<K> {
    /// `async;` at the start: the block is a future.
    pub is_async: bool,
    /// The body in source order.
    pub statements: Vec<Statement<K>>,
}

/// One piece of a `with_params!` body.
pub enum Statement<K> {
    /// A `set`, `get`, `try_get` or `params` item.
    Item(Item<K>),
    /// A Rust statement, emitted as written.
    Rust(Stmt),
    /// The final expression without `;`: the value of the block.
    Tail(Expr),
}

/// An item of a `with_params!` block, generic over the key so that validation can replace
/// the written key by a checked one.
pub enum Item<K> {
    /// `set key = value;`
    Set {
        /// The key written to.
        key: K,
        /// The value expression.
        value: Expr,
    },
    /// `get x = key or default;` and `try_get x = key or default;`
    Get {
        /// `try_get`: bind a `Result` instead of panicking on a bad value.
        fallible: bool,
        /// `mut` before the binding.
        mutability: Option<Token![mut]>,
        /// The variable bound.
        binding: Ident,
        /// The key read.
        key: K,
        /// The default, which also picks the type the value converts to.
        default: Expr,
    },
    /// `params scope;`
    Params {
        /// An expression giving a `ParamScope` or a reference to one.
        scope: Expr,
    },
}

/// A parsed `get_param!(key, default[, "help"])`.
pub struct GetParam<K> {
    /// The key read.
    pub key: K,
    /// The default.
    pub default: Expr,
    /// Help text to register for the command line.
    pub help: Option<LitStr>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    Set,
    Get,
    TryGet,
    Params,
}

impl ItemKind {
    fn from_name(name: &str) -> Option<ItemKind> {
        match name {
            "set" => Some(ItemKind::Set),
            "get" => Some(ItemKind::Get),
            "try_get" => Some(ItemKind::TryGet),
            "params" => Some(ItemKind::Params),
            _ => None,
        }
    }
}

/// What the next tokens start.
enum Start {
    Item { at_sign: bool, kind: ItemKind },
    AsyncMarker,
    Rust,
}

fn classify(cursor: Cursor) -> Start {
    if let Some((punct, _)) = cursor.punct() {
        if punct.as_char() == '@' {
            // The kind is checked when the item is parsed, for a precise error.
            return Start::Item {
                at_sign: true,
                kind: ItemKind::Set,
            };
        }
        return Start::Rust;
    }
    let Some((word, next)) = cursor.ident() else {
        return Start::Rust;
    };
    let word = word.to_string();
    if word == "async" {
        return match next.punct() {
            Some((punct, _)) if punct.as_char() == ';' => Start::AsyncMarker,
            _ => Start::Rust,
        };
    }
    let Some(kind) = ItemKind::from_name(&word) else {
        return Start::Rust;
    };
    let is_item = match kind {
        ItemKind::Set => starts_key(next),
        ItemKind::Get | ItemKind::TryGet => {
            matches!(next.ident(), Some((ident, _)) if ident != "as")
        }
        ItemKind::Params => match (next.ident(), next.punct()) {
            (Some((ident, _)), _) => ident != "as",
            (_, Some((punct, _))) => {
                punct.as_char() == '&' && punct.spacing() == proc_macro2::Spacing::Alone
            }
            _ => false,
        },
    };
    if is_item {
        Start::Item {
            at_sign: false,
            kind,
        }
    } else {
        Start::Rust
    }
}

/// Whether `cursor` starts a key after `set` (and not, say, `set as u8`).
fn starts_key(cursor: Cursor) -> bool {
    if cursor.literal().is_some() {
        return true;
    }
    match cursor.ident() {
        Some((ident, after)) if ident == "as" => {
            matches!(after.punct(), Some((punct, _)) if matches!(punct.as_char(), '.' | '-' | '='))
        }
        Some(_) => true,
        None => false,
    }
}

impl Parse for WithParams<KeyPath> {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut is_async = false;
        let mut statements = Vec::new();
        let mut first = true;
        while !input.is_empty() {
            match classify(input.cursor()) {
                Start::AsyncMarker => {
                    let marker: Token![async] = input.parse()?;
                    if !first {
                        return Err(syn::Error::new(
                            marker.span,
                            "`async;` must come first in `with_params!`",
                        ));
                    }
                    input.parse::<Token![;]>()?;
                    is_async = true;
                }
                Start::Item { at_sign, kind } => {
                    statements.push(Statement::Item(parse_item(input, at_sign, kind)?));
                }
                Start::Rust => statements.push(parse_rust(input)?),
            }
            first = false;
        }
        Ok(WithParams {
            is_async,
            statements,
        })
    }
}

fn parse_item(input: ParseStream, at_sign: bool, kind: ItemKind) -> syn::Result<Item<KeyPath>> {
    let kind = if at_sign {
        input.parse::<Token![@]>()?;
        let word = Ident::parse(input)
            .map_err(|err| syn::Error::new(err.span(), EXPECTED_ITEM_AFTER_AT))?;
        ItemKind::from_name(&word.to_string())
            .ok_or_else(|| syn::Error::new(word.span(), EXPECTED_ITEM_AFTER_AT))?
    } else {
        input.parse::<Ident>()?;
        kind
    };
    let item = match kind {
        ItemKind::Set => {
            let key: KeyPath = input.parse()?;
            expect_eq(input, "set a.b = value;")?;
            let value: Expr = input.parse()?;
            Item::Set { key, value }
        }
        ItemKind::Get | ItemKind::TryGet => {
            let name = if kind == ItemKind::Get {
                "get"
            } else {
                "try_get"
            };
            let mutability: Option<Token![mut]> = input.parse()?;
            let binding: Ident = input.parse().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    format!("expected a variable name, as in `{name} x = a.b or default;`"),
                )
            })?;
            expect_eq(input, &format!("{name} x = a.b or default;"))?;
            let key: KeyPath = input.parse()?;
            expect_or(input, name)?;
            let default: Expr = input.parse()?;
            Item::Get {
                fallible: kind == ItemKind::TryGet,
                mutability,
                binding,
                key,
                default,
            }
        }
        ItemKind::Params => Item::Params {
            scope: input.parse()?,
        },
    };
    if !input.is_empty() {
        input
            .parse::<Token![;]>()
            .map_err(|err| syn::Error::new(err.span(), "expected `;` after the item"))?;
    }
    Ok(item)
}

const EXPECTED_ITEM_AFTER_AT: &str = "expected `set`, `get`, `try_get` or `params` after `@`";

fn expect_eq(input: ParseStream, example: &str) -> syn::Result<()> {
    if input.peek(Token![=]) && !input.peek(Token![==]) && !input.peek(Token![=>]) {
        input.parse::<Token![=]>()?;
        Ok(())
    } else {
        Err(input.error(format!("expected `=`, as in `{example}`")))
    }
}

fn expect_or(input: ParseStream, name: &str) -> syn::Result<()> {
    match input.cursor().ident() {
        Some((word, _)) if word == "or" => {
            input.parse::<Ident>()?;
            Ok(())
        }
        _ => Err(input.error(format!(
            "expected `or <default>` after the key, as in `{name} x = a.b or 0;` \
             (the default is required: it gives the type to read)"
        ))),
    }
}

/// A Rust statement, or the block's final expression.
fn parse_rust(input: ParseStream) -> syn::Result<Statement<KeyPath>> {
    if input.peek(Token![;]) {
        // An empty statement, kept as written (as `syn::Block` does).
        let semi: Token![;] = input.parse()?;
        let nothing = Expr::Verbatim(proc_macro2::TokenStream::new());
        return Ok(Statement::Rust(Stmt::Expr(nothing, Some(semi))));
    }
    let as_statement = input.fork();
    // `Stmt`'s own parser insists on a `;` after an expression such as `x` or `f()`, which
    // is exactly the block's final expression; that case is parsed as an expression below.
    let statement_error = match as_statement.parse::<Stmt>() {
        Ok(statement) => {
            use syn::parse::discouraged::Speculative;
            // `Stmt`'s parser accepts no `;`-less statement but a block-like one (`if`,
            // `for`, a braced macro), which may be followed by more statements.
            input.advance_to(&as_statement);
            return Ok(Statement::Rust(statement));
        }
        Err(err) => err,
    };
    let as_expression = input.fork();
    match as_expression.parse::<Expr>() {
        Ok(expression) if as_expression.is_empty() => {
            use syn::parse::discouraged::Speculative;
            input.advance_to(&as_expression);
            Ok(Statement::Tail(expression))
        }
        Ok(_) => Err(as_expression.error("expected `;`")),
        Err(_) => Err(
            nested_item(input.cursor()).map_or(statement_error, |(span, word)| {
                syn::Error::new(
                    span,
                    format!(
                        "`{word}` items are recognised only at the top level of `with_params!`; \
                     open a nested `with_params! {{ ... }}` inside this block"
                    ),
                )
            }),
        ),
    }
}

/// When a statement fails to parse, looks for what is probably the cause: an item written
/// inside a nested block (`for i in 0..3 { set a.b = i; }`), which `syn` reads as Rust.
/// Scans the failed statement (up to its `;`) and the braced blocks in it, skipping macro
/// bodies, and returns the first item-like start found.
fn nested_item(cursor: Cursor) -> Option<(proc_macro2::Span, String)> {
    let mut cursor = cursor;
    let mut after_bang = false;
    while let Some((token, next)) = cursor.token_tree() {
        match &token {
            proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ';' => return None,
            proc_macro2::TokenTree::Group(group)
                if group.delimiter() == proc_macro2::Delimiter::Brace && !after_bang =>
            {
                if let Some((inner, _, _)) = cursor.group(proc_macro2::Delimiter::Brace) {
                    if let Some(found) = item_in_block(inner) {
                        return Some(found);
                    }
                }
            }
            _ => {}
        }
        after_bang = matches!(&token, proc_macro2::TokenTree::Punct(p) if p.as_char() == '!');
        cursor = next;
    }
    None
}

/// The first item-like start in a braced block: at its start or after a `;` or a block, or
/// in a block nested in it.
fn item_in_block(cursor: Cursor) -> Option<(proc_macro2::Span, String)> {
    let mut cursor = cursor;
    let mut statement_start = true;
    let mut after_bang = false;
    while let Some((token, next)) = cursor.token_tree() {
        if statement_start {
            if let Start::Item { at_sign, .. } = classify(cursor) {
                let word = match next.ident() {
                    Some((word, _)) if at_sign => format!("@{word}"),
                    _ => token.to_string(),
                };
                return Some((token.span(), word));
            }
        }
        let is_block = matches!(&token, proc_macro2::TokenTree::Group(group)
            if group.delimiter() == proc_macro2::Delimiter::Brace);
        if is_block && !after_bang {
            if let Some((inner, _, _)) = cursor.group(proc_macro2::Delimiter::Brace) {
                if let Some(found) = item_in_block(inner) {
                    return Some(found);
                }
            }
        }
        statement_start =
            is_block || matches!(&token, proc_macro2::TokenTree::Punct(p) if p.as_char() == ';');
        after_bang = matches!(&token, proc_macro2::TokenTree::Punct(p) if p.as_char() == '!');
        cursor = next;
    }
    None
}

impl Parse for GetParam<KeyPath> {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: KeyPath = input.parse()?;
        input.parse::<Token![,]>().map_err(|err| {
            syn::Error::new(
                err.span(),
                "expected `,` and a default, as in `get_param!(a.b, 0)`",
            )
        })?;
        let default: Expr = input.parse()?;
        let mut help = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let text: Expr = input.parse()?;
            match text {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => help = Some(text),
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "the help text must be a string literal",
                    ))
                }
            }
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error(
                "unexpected tokens: `get_param!` takes a key, a default and an optional help text",
            ));
        }
        Ok(GetParam { key, default, help })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> syn::Result<WithParams<KeyPath>> {
        syn::parse_str(source)
    }

    /// One letter per statement: S/G/T/P for items, R for Rust, E for the tail.
    fn shape(source: &str) -> String {
        let parsed = parse(source).unwrap();
        let mut shape: String = parsed
            .statements
            .iter()
            .map(|statement| match statement {
                Statement::Item(Item::Set { .. }) => 'S',
                Statement::Item(Item::Get {
                    fallible: false, ..
                }) => 'G',
                Statement::Item(Item::Get { fallible: true, .. }) => 'T',
                Statement::Item(Item::Params { .. }) => 'P',
                Statement::Rust(_) => 'R',
                Statement::Tail(_) => 'E',
            })
            .collect();
        if parsed.is_async {
            shape.insert(0, 'A');
        }
        shape
    }

    #[test]
    fn items_and_statements_are_told_apart() {
        assert_eq!(shape("set a.b = 1; get x = a.b or 0; x"), "SGE");
        assert_eq!(
            shape("@set a.b = 1; @get x = a.b or 0; @try_get y = a.b or 0;"),
            "SGT"
        );
        assert_eq!(
            shape("params p; params &q; @params r; params self.s;"),
            "PPPP"
        );
        assert_eq!(
            shape("set.insert(1); get(x); params.push(1); let set = 1;"),
            "RRRR"
        );
        assert_eq!(
            shape("set = 2; set as u8; get as u8; params(1); params::f();"),
            "RRRRR"
        );
        assert_eq!(
            shape("set \"a.b\" = 1; set 0.x = 1; set type.x = 1; set as.x = 1;"),
            "SSSS"
        );
        assert_eq!(shape("let get = 1; get"), "RE");
        assert_eq!(shape("async; set a.b = 1; f().await"), "ASE");
        assert_eq!(shape("async { 1 }.await"), "E");
        assert_eq!(shape("for i in 0..2 { f(i); } set a.b = 1"), "RS");
        assert_eq!(shape("if c { 1 } else { 2 }"), "R");
        assert_eq!(shape("set a.b = 1;; ;"), "SRR");
        assert_eq!(
            shape("#[allow(unused)] let x = 1; #[rustfmt::skip] f()"),
            "RE"
        );
        assert_eq!(shape("fn get(x: i32) -> i32 { x } struct S; get(1)"), "RRE");
        assert_eq!(shape("m!{ set a.b = 1; } set a.b = 2"), "RS");
        assert_eq!(shape(""), "");
    }

    #[test]
    fn bad_items_are_errors() {
        for (source, message) in [
            ("get x = a.b;", "expected `or <default>`"),
            ("get x = a.b 1;", "expected `or <default>`"),
            ("set a.b 1;", "expected `=`"),
            ("set a.b = 1 set c = 2;", "expected `;` after the item"),
            ("@put a.b = 1;", "expected `set`, `get`"),
            ("f() g();", "expected `;`"),
            ("set a.b = 1; async;", "`async;` must come first"),
            (
                "for i in r { f(i); set a.b = i; }",
                "`set` items are recognised only at",
            ),
            (
                "if c { x } else { @get y = a.b or 0; }",
                "`@get` items are recognised only at",
            ),
            (
                "let v = vec![1]; for i in v { g!{ set a.b = 1; } f(i) x }",
                "expected",
            ),
        ] {
            let err = parse(source)
                .err()
                .unwrap_or_else(|| panic!("{source} parsed"));
            assert!(err.to_string().contains(message), "{source}: {err}");
        }
    }

    #[test]
    fn get_param_arguments() {
        let parsed: GetParam<KeyPath> = syn::parse_str("a.b, 1, \"help\",").unwrap();
        assert_eq!(parsed.key.text, "a.b");
        assert_eq!(parsed.help.unwrap().value(), "help");
        assert!(syn::parse_str::<GetParam<KeyPath>>("a.b, 1")
            .unwrap()
            .help
            .is_none());
        assert!(syn::parse_str::<GetParam<KeyPath>>("a.b, 1, help").is_err());
        assert!(syn::parse_str::<GetParam<KeyPath>>("a.b").is_err());
        assert!(syn::parse_str::<GetParam<KeyPath>>("a.b, 1, \"h\", 2").is_err());
    }
}
