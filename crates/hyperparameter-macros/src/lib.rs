//! Proc macros of the [`hyperparameter`](https://docs.rs/hyperparameter) crate:
//! [`with_params!`] and [`get_param!`]. Use them through `hyperparameter`, which re-exports
//! both; the expansions refer to `::hyperparameter`.
//!
//! # How the macros work
//! Each invocation goes through three steps, one module each:
//!
//! 1. **parse** (`parse`, `key_path`): tokens become a syntax tree. A `with_params!` body is
//!    ordinary Rust with items mixed in; an item is recognised by its first tokens only where
//!    they could never be valid Rust, so user code with variables called `set` or `params`
//!    is left alone. A key is rebuilt from the tokens that spell it (`a.b`, `model.type`,
//!    `layers.0.size`, `with-dash.x`) or taken from a string literal.
//! 2. **validate** (`validate`): every key is checked against the same rules the runtime
//!    uses (`hyperparameter_key::key_problem`), and hashed with the same `const` xxh64. An
//!    invalid key is a compile error pointing at it.
//! 3. **expand** (`expand`): code that calls the runtime's hidden support module
//!    `hyperparameter::private`. Each key becomes a `static Key` holding its text and its
//!    hash as a literal, so a read does no hashing at run time.
//!
//! The macros hold no runtime logic: scopes, storage and conversions live in `hyperparameter`.

use proc_macro::TokenStream;

mod expand;
mod key_path;
mod listing;
mod parse;
mod validate;

/// A block with its own parameter scope, with items to set and read parameters.
///
/// ```
/// use hyperparameter::with_params;
///
/// fn batch_size() -> i64 {
///     with_params! {
///         get size = train.batch_size or 32i64;
///         size
///     }
/// }
///
/// let seen = with_params! {
///     set train.batch_size = 64;
///     batch_size()
/// };
/// assert_eq!(seen, 64);
/// assert_eq!(batch_size(), 32); // the block's scope ended with the block
/// ```
///
/// # Scope
/// The block enters a new scope before its first statement and leaves it when the block ends
/// by any path: its end, `return`, `break`, `?`, or a panic. Leaving restores exactly the
/// view from before, so nothing set inside is visible afterwards. The value of the block's
/// final expression (without `;`) is the value of the macro. Blocks nest, and functions
/// called inside the block see its values.
///
/// # Items
/// Items may appear any number of times, in any order, between ordinary statements. They
/// take effect in source order.
///
/// | item | meaning |
/// |---|---|
/// | `set a.b = expr;` | writes `expr` (anything `Into<hyperparameter::Value>`) into the block's scope |
/// | `get x = a.b or expr;` | binds `x` to the value of `a.b` converted to the type of `expr`, or to `expr` when `a.b` is absent |
/// | `try_get x = a.b or expr;` | like `get`, but binds a `Result<T, hyperparameter::Error>` |
/// | `params expr;` | writes every override of a `ParamScope` (or `&ParamScope`) into the block's scope |
/// | `@set ...;` `@get ...;` `@try_get ...;` `@params ...;` | the same items, older spelling |
///
/// The default of `get` is required and picks the type read: `or 1` reads an `i32`,
/// `or 1i64` an `i64`, `or 0.5` an `f64`, `or "adam"` a `String`, `or true` a `bool`. It is
/// used only when the key is absent. A value that is present but does not convert (say
/// `"fast"` read with `or 1`) makes `get` panic with the error message, which names the key,
/// the value and the target type; it never falls back to the default silently. Use `try_get`
/// where a bad value must be handled instead. `get mut x = ...` binds a mutable variable.
/// (In a program that took its scope from `hyperparameter::cli::ParamArgs::scope_or_exit`,
/// a bad value that came from its command line or config files is a usage error instead:
/// a message naming the `-D` item or `file:line`, and exit status 2.) Every `get` and
/// `try_get` is registered for `hyperparameter::registered_params()`, as [`get_param!`]
/// reads are.
///
/// `params` takes a `ParamScope` or anything that dereferences to one (`&scope`, a `Box`,
/// `Rc` or `Arc` of one, or a reference to those), and
/// copies its overrides into the block's scope at that point: a later `set` or `params` of
/// the same key wins, and the scope itself is left unchanged. It adds values; it does not
/// hide the ones set outside the block (even for a scope from `ParamScope::empty()`).
///
/// The `;` after the last item of the block may be left out.
///
/// # Keys
/// A key is a dotted path. Its segments may be identifiers, keywords (`model.type`), numbers
/// (`layers.0.size`, `layers.0.1`) and dashed words (`with-dash.x`); the key text is the
/// tokens joined without spaces. A key with characters Rust does not allow there (such as
/// `+`, `:` or `@`) is written as a string literal: `set "loss:weight.x+y" = 1;`. Keys are
/// checked when the code is compiled (no whitespace, no empty segment, no `=`,
/// `$`, `{`, `}`); an invalid key is a compile error at the key:
///
/// ```compile_fail
/// hyperparameter::with_params! {
///     set "a..b" = 1; // error: invalid key `a..b`: empty segment
/// }
/// ```
///
/// # Telling items from code
/// `set`, `get`, `try_get` and `params` start an item only where the tokens could not be
/// Rust: `set` followed by a key (`set a.b`), `get`/`try_get` followed by a name, and
/// `params` followed by a name or `&`. So `set.insert(1);`, `get(x);`, `params.push(1);` and
/// `let set = 1;` stay ordinary statements. Items are recognised at the top level of the
/// block only; inside a nested `{ }`, `if` or loop, open another `with_params!`.
///
/// ```
/// use hyperparameter::with_params;
/// use std::collections::HashSet;
///
/// let total = with_params! {
///     let mut set = HashSet::new();
///     set.insert(1);
///     set a.b = 2;
///     get b = a.b or 0;
///     set.len() as i32 + b
/// };
/// assert_eq!(total, 3);
/// ```
///
/// # Async
/// Async is explicit: a block that starts with `async;` is a future instead of a block. It
/// expands to `Scoped::new_empty(async move { ... })` (so, as with `async move`, the
/// variables it uses are moved into it): the future carries its own scope,
/// created when the macro is evaluated on top of the scope active then. Its items run when
/// it is polled, inside that scope, and the scope follows the future across `.await` and
/// worker threads. Nothing it sets is seen outside it, and two such futures never see each
/// other's values.
///
/// ```
/// use hyperparameter::with_params;
///
/// async fn learning_rate() -> f64 {
///     with_params! {
///         get lr = train.lr or 0.1;
///         lr
///     }
/// }
///
/// let future = with_params! {
///     async;
///     set train.lr = 0.01;
///     learning_rate().await
/// };
/// # let value = {
/// #     // A minimal executor for the example; real code awaits the future.
/// #     use std::future::Future;
/// #     use std::sync::Arc;
/// #     use std::task::{Context, Poll, Wake, Waker};
/// #     struct Spin;
/// #     impl Wake for Spin {
/// #         fn wake(self: Arc<Self>) {}
/// #     }
/// #     let waker = Waker::from(Arc::new(Spin));
/// #     let mut future = Box::pin(future);
/// #     let mut context = Context::from_waker(&waker);
/// #     loop {
/// #         if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
/// #             break value;
/// #         }
/// #     }
/// # };
/// # assert_eq!(value, 0.01);
/// ```
///
/// The block is never made async by guessing (for example from the names of the functions it
/// calls). A plain `with_params!` block may be used inside async code as long as it does not
/// `.await`: its scope is tied to the thread, so to hold a scope across `.await`, use the
/// `async;` form and await it.
#[proc_macro]
pub fn with_params(input: TokenStream) -> TokenStream {
    syn::parse::<parse::WithParams<key_path::KeyPath>>(input)
        .and_then(validate::check_with_params)
        .map(expand::with_params)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Reads one parameter: `get_param!(a.b, default)` or `get_param!(a.b, default, "help")`.
///
/// The value of `a.b` converted to the type of `default`, or `default` when the key is
/// absent; a value that does not convert panics with the error message, exactly like
/// `get x = a.b or default;` in [`with_params!`]. Keys are written and checked as there.
///
/// Every read is also registered, at link time and at no cost to the read: key, default
/// as a command-line value (`10` for `10u32`, `adam` for `"adam"`), the type read when the
/// default is a literal, the help text and the file and line, so that
/// `hyperparameter::registered_params()` lists it, for example for a command line's
/// `--list-params`. `get` and `try_get` items of [`with_params!`] are registered the same
/// way, without help text. The help text must be a string literal.
///
/// ```
/// use hyperparameter::{get_param, registered_params, with_params};
///
/// fn epochs() -> u32 {
///     get_param!(train.epochs, 10u32, "Number of passes over the data")
/// }
///
/// assert_eq!(epochs(), 10);
/// with_params! {
///     set train.epochs = "3"; // text, as from a command line, converts
///     assert_eq!(epochs(), 3);
/// }
/// let info = registered_params()
///     .into_iter()
///     .find(|info| info.key == "train.epochs")
///     .unwrap();
/// assert_eq!(info.help, "Number of passes over the data");
/// assert_eq!((info.default, info.type_name), ("10", "u32"));
/// ```
#[proc_macro]
pub fn get_param(input: TokenStream) -> TokenStream {
    syn::parse::<parse::GetParam<key_path::KeyPath>>(input)
        .and_then(validate::check_get_param)
        .map(expand::get_param)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
