//! Turns checked syntax trees into code. The expansion calls only
//! `::hyperparameter::private::*` and `::hyperparameter::Key::from_static`, with every key's
//! hash already computed as a `u64` literal.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, LitStr};

use crate::parse::{GetParam, Item, Statement, WithParams};
use crate::validate::CheckedKey;

/// The `static` holding a key, for the item or read that uses it. Defined in a block of its
/// own at each use, so several keys in one scope never clash. A `static` rather than a
/// `const`: `Key` has drop glue, so every use of a `const` would build a temporary copy and
/// drop it again, which measured as a quarter of a read's instructions.
fn key_static(key: &CheckedKey) -> (Ident, TokenStream) {
    let name = Ident::new("__HYPERPARAMETER_KEY", key.span);
    let text = LitStr::new(&key.text, key.span);
    let hash = proc_macro2::Literal::u64_suffixed(key.hash);
    let definition = quote_spanned! {key.span=>
        static #name: ::hyperparameter::Key = ::hyperparameter::Key::from_static(#text, #hash);
    };
    (name, definition)
}

/// Replaces every invisible-delimited expression by a parenthesized one.
///
/// A `macro_rules!` fragment such as `$value:expr` reaches a proc macro as a group with
/// invisible delimiters, which keeps `$value * 2` meaning `(1 + 2) * 2` for `$value = 1 + 2`.
/// rustc honours that group only in the very token it handed out; once a proc macro has
/// taken the tokens apart (as every `syn`-based macro does), a re-created invisible group is
/// flattened and the expression silently becomes `1 + 2 * 2`. Parentheses keep the meaning.
/// Tokens inside nested macro calls are not expressions to `syn` and stay as they are.
struct ParenthesizeGroups;

impl VisitMut for ParenthesizeGroups {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        visit_mut::visit_expr_mut(self, expr);
        if let Expr::Group(group) = expr {
            let inner = std::mem::replace(&mut *group.expr, Expr::Verbatim(TokenStream::new()));
            *expr = Expr::Paren(syn::ExprParen {
                attrs: std::mem::take(&mut group.attrs),
                paren_token: syn::token::Paren(group.group_token.span),
                expr: Box::new(inner),
            });
        }
    }
}

/// `with_params! { ... }`: a block that enters a new scope first (left by the guard's `Drop`
/// on every exit path), or with `async;` a future that carries its own scope.
pub fn with_params(mut input: WithParams<CheckedKey>) -> TokenStream {
    for statement in &mut input.statements {
        match statement {
            Statement::Rust(statement) => ParenthesizeGroups.visit_stmt_mut(statement),
            Statement::Tail(expression) => ParenthesizeGroups.visit_expr_mut(expression),
            Statement::Item(Item::Set { value, .. }) => ParenthesizeGroups.visit_expr_mut(value),
            Statement::Item(Item::Get { default, .. }) => {
                ParenthesizeGroups.visit_expr_mut(default)
            }
            Statement::Item(Item::Params { scope }) => ParenthesizeGroups.visit_expr_mut(scope),
        }
    }
    let body: TokenStream = input.statements.iter().map(statement).collect();
    if input.is_async {
        quote! {
            ::hyperparameter::private::Scoped::new_empty(async move { #body })
        }
    } else {
        // `mixed_site`: the guard is invisible to the user's code in the block.
        let guard = Ident::new("__hyperparameter_scope", Span::mixed_site());
        quote! {
            {
                let #guard = ::hyperparameter::private::ScopeGuard::enter_new();
                #body
            }
        }
    }
}

fn statement(statement: &Statement<CheckedKey>) -> TokenStream {
    match statement {
        Statement::Rust(statement) => quote!(#statement),
        Statement::Tail(expression) => quote!(#expression),
        Statement::Item(item) => self::item(item),
    }
}

fn item(item: &Item<CheckedKey>) -> TokenStream {
    match item {
        Item::Set { key, value } => {
            let (name, definition) = key_static(key);
            quote_spanned! {key.span=>
                {
                    #definition
                    ::hyperparameter::private::set(
                        &#name,
                        #value,
                        ::core::file!(),
                        ::core::line!(),
                    );
                }
            }
        }
        Item::Get {
            fallible,
            mutability,
            binding,
            key,
            default,
        } => {
            let read = read_call(key, default, *fallible);
            let registration = registration(key, default, None);
            quote! {
                let #mutability #binding = { #registration #read };
            }
        }
        // Deref coercion turns `&ParamScope`, `&&ParamScope`, `&Box<ParamScope>`,
        // `&Arc<ParamScope>`, ... into the `&ParamScope` that `set_all` takes.
        Item::Params { scope } => quote! {
            ::hyperparameter::private::set_all(&(#scope));
        },
    }
}

/// A block evaluating to the value read for `key` (panicking on a bad value), or with
/// `fallible` to the `Result`.
fn read_call(key: &CheckedKey, default: &syn::Expr, fallible: bool) -> TokenStream {
    let (name, definition) = key_static(key);
    let function = if fallible {
        quote!(try_read_or)
    } else {
        quote!(read_or)
    };
    quote_spanned! {key.span=>
        {
            #definition
            static __HP_READ_SITE: ::hyperparameter::private::ReadSite =
                ::hyperparameter::private::ReadSite::new();
            ::hyperparameter::private::#function(&#name, &__HP_READ_SITE, #default)
        }
    }
}

/// The entry a read adds to `hyperparameter::registered_params()` (collected at link
/// time, so listing costs the read nothing): key, default as a command-line value, type,
/// help text, file and line.
fn registration(key: &CheckedKey, default: &Expr, help: Option<&LitStr>) -> TokenStream {
    let text = LitStr::new(&key.text, key.span);
    let (shown, type_name) = crate::listing::default_for_listing(default);
    let help = help.map_or_else(|| quote!(""), |help| quote!(#help));
    // Spanned at the key, so that `line!()` is the line of the read, not of the macro.
    quote_spanned! {key.span=>
        ::hyperparameter::private::inventory::submit! {
            ::hyperparameter::private::ParamInfo {
                key: #text,
                default: #shown,
                type_name: #type_name,
                help: #help,
                file: ::core::file!(),
                line: ::core::line!(),
            }
        }
    }
}

/// `get_param!(key, default[, "help"])`: one read, registered with its help text for
/// `hyperparameter::registered_params()`.
pub fn get_param(mut input: GetParam<CheckedKey>) -> TokenStream {
    ParenthesizeGroups.visit_expr_mut(&mut input.default);
    let read = read_call(&input.key, &input.default, false);
    let registration = registration(&input.key, &input.default, input.help.as_ref());
    quote! {
        {
            #registration
            #read
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{check_get_param, check_with_params};

    fn expand(source: &str) -> String {
        with_params(check_with_params(syn::parse_str(source).unwrap()).unwrap()).to_string()
    }

    #[test]
    fn keys_become_statics_with_the_hash_as_a_literal() {
        let code = expand("set a.b = 1;");
        assert!(
            code.contains("from_static (\"a.b\" , 11414479579488969833u64)"),
            "{code}"
        );
        assert!(!code.contains("key_hash"), "no hashing at run time: {code}");
    }

    #[test]
    fn a_block_enters_its_scope_before_the_first_statement() {
        let code = expand("let x = 1; set a.b = x; x");
        let enter = code.find("ScopeGuard :: enter_new ()").unwrap();
        assert!(enter < code.find("let x = 1").unwrap(), "{code}");
        assert!(
            code.trim_end().ends_with("x }"),
            "the tail stays the tail: {code}"
        );
    }

    #[test]
    fn an_async_block_is_a_scoped_future_without_a_guard() {
        let code = expand("async; set a.b = 1; f().await");
        assert!(
            code.starts_with(":: hyperparameter :: private :: Scoped :: new_empty (async move {"),
            "{code}"
        );
        assert!(!code.contains("ScopeGuard"), "{code}");
    }

    #[test]
    fn every_read_is_registered() {
        let expand_get_param = |source: &str| {
            get_param(check_get_param(syn::parse_str(source).unwrap()).unwrap()).to_string()
        };
        let with_help = expand_get_param("a.b, 1i64, \"help\"");
        assert!(with_help.contains("inventory :: submit !"), "{with_help}");
        assert!(with_help.contains("help : \"help\""), "{with_help}");
        assert!(with_help.contains("default : \"1\""), "{with_help}");
        assert!(with_help.contains("type_name : \"i64\""), "{with_help}");
        let without = expand_get_param("a.b, 1");
        assert!(without.contains("help : \"\""), "{without}");
        assert!(without.contains("read_or"), "{without}");
        let read = expand("get x = a.b or \"ex\"; try_get y = c.d or 0.5;");
        assert_eq!(read.matches("inventory :: submit !").count(), 2, "{read}");
        assert!(read.contains("default : \"ex\""), "{read}");
        assert!(read.contains("type_name : \"f64\""), "{read}");
    }
}
