//! Proc macros of the `hyperparameter` crate (placeholder until the macros land).
use proc_macro::TokenStream;

/// Scoped block.
#[proc_macro]
pub fn with_params(input: TokenStream) -> TokenStream {
    input
}

/// One read.
#[proc_macro]
pub fn get_param(input: TokenStream) -> TokenStream {
    input
}
