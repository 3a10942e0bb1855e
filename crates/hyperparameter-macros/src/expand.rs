//! Turns checked syntax trees into code. The expansion calls only
//! `::hyperparameter::private::*` and `::hyperparameter::Key::from_static`, with every key's
//! hash already computed as a `u64` literal.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, LitStr};

use crate::parse::{GetParam, Item, Statement, WithParams};
use crate::validate::CheckedKey;

/// The `const` holding a key, for the item or read that uses it. Defined in a block of its
/// own at each use, so several keys in one scope never clash.
fn key_const(key: &CheckedKey) -> (Ident, TokenStream) {
    let name = Ident::new("__HYPERPARAMETER_KEY", key.span);
    let text = LitStr::new(&key.text, key.span);
    let hash = proc_macro2::Literal::u64_suffixed(key.hash);
    let definition = quote_spanned! {key.span=>
        const #name: ::hyperparameter::Key = ::hyperparameter::Key::from_static(#text, #hash);
    };
    (name, definition)
}

/// `with_params! { ... }`: a block that enters a new scope first (left by the guard's `Drop`
/// on every exit path), or with `async;` a future that carries its own scope.
pub fn with_params(input: WithParams<CheckedKey>) -> TokenStream {
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
            let (name, definition) = key_const(key);
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
            quote! {
                let #mutability #binding = #read;
            }
        }
        Item::Params { scope } => quote! {
            ::hyperparameter::private::set_all(::core::borrow::Borrow::borrow(&(#scope)));
        },
    }
}

/// A block evaluating to the value read for `key` (panicking on a bad value), or with
/// `fallible` to the `Result`.
fn read_call(key: &CheckedKey, default: &syn::Expr, fallible: bool) -> TokenStream {
    let (name, definition) = key_const(key);
    let function = if fallible {
        quote!(try_read_or)
    } else {
        quote!(read_or)
    };
    quote_spanned! {key.span=>
        {
            #definition
            ::hyperparameter::private::#function(&#name, #default)
        }
    }
}

/// `get_param!(key, default[, "help"])`: one read, and the help text registered for
/// `hyperparameter::registered_params()`.
pub fn get_param(input: GetParam<CheckedKey>) -> TokenStream {
    let read = read_call(&input.key, &input.default, false);
    let Some(help) = input.help else {
        return read;
    };
    let key = LitStr::new(&input.key.text, input.key.span);
    let default = &input.default;
    quote! {
        {
            ::hyperparameter::private::inventory::submit! {
                ::hyperparameter::private::ParamInfo {
                    key: #key,
                    default: ::core::stringify!(#default),
                    help: #help,
                    file: ::core::file!(),
                    line: ::core::line!(),
                }
            }
            #read
        }
    }
}
